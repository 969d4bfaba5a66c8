"""A command that cannot be answered is never silent: an apology for each one that ends in
`<queue>.dead`.

The broker copies every dead letter of a command queue into `<queue>.dead-notices`
(libs/topology.py), whatever killed it: a handler bug, retries run out, a permanent error, the
delivery limit after its consumer died on it. The queue's own worker takes those copies (the
consumer loop, libs/messaging.py) and for each one:

    read_notice   the command as far as it can be read: a body its contract refuses may still
                  carry an integer `chat_id` and a `message_id`; no chat: nobody to tell
    apology       one reply with the id `<message_id>:apology`; the notifier records what it
                  sent and drops a copy, so a notice delivered twice, or a command sent back
                  with tools.dead_letters that dies again, still makes one message
    tell          logs why the command died, publishes the apology with a confirm
No database in this path: the database staying away may be why the command died.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from libs import texts, topology
from libs.contracts import Outgoing, command_message_id, encode
from libs.logs import CORRELATION_HEADER

log = logging.getLogger(__name__)

# What a message last failed with: the consumer loop (libs/messaging.py, which imports it from
# here) writes it on each retry's copy, the notifier on what it parks; read here and by
# tools/dead_letters.py.
ERROR_HEADER = "x-last-error"
MAX_MESSAGE_ID = 80  # a command's message id, as its contract allows
MAX_CHAT_ID = 2 ** 52  # Telegram's chat ids have at most 52 significant bits


@dataclass(frozen=True)
class Notice:
    """A dead command, as far as it can be read: whom to tell, about what, and why it died."""

    message_id: str | None
    chat_id: int | None
    correlation_id: str
    reason: str = ""  # the newest x-death entry's: rejected, delivery_limit, expired ...
    last_error: str = ""
    deaths: int = 1  # how often it died in its work queue: more after a requeue


def read_notice(body: bytes, properties, queue: str) -> Notice:
    """What the notice of a dead command of `queue` tells; never raises."""
    fields = _json_object(body)
    headers = properties.headers or {}
    message_id = (_message_id(fields.get("message_id"))
                  or _message_id(properties.message_id)
                  or _update_message_id(fields.get("update_id")))
    chat_id = fields.get("chat_id")
    if not (type(chat_id) is int and abs(chat_id) < MAX_CHAT_ID):
        chat_id = None
    correlation = headers.get(CORRELATION_HEADER)
    deaths = [d for d in headers.get("x-death") or [] if isinstance(d, dict)]
    in_queue = [d for d in deaths if _text(d.get("queue")) == queue]
    return Notice(
        message_id=message_id,
        chat_id=chat_id,
        correlation_id=correlation if isinstance(correlation, str) else (message_id or ""),
        reason=_text(deaths[0].get("reason")) if deaths else "",
        last_error=_text(headers.get(ERROR_HEADER)),
        deaths=max(1, sum(_count(d) for d in in_queue)),
    )


def apology_id(message_id: str) -> str:
    """The id of the one apology for command `message_id`."""
    return f"{message_id}:apology"


def apology(notice: Notice) -> Outgoing:
    """The apology to the notice's chat (which it must name), with the main menu."""
    return Outgoing(message_id=apology_id(notice.message_id), chat_id=notice.chat_id,
                    text=texts.COMMAND_FAILED, reply_markup=texts.MAIN_MENU,
                    correlation_id=notice.correlation_id)


def why(notice: Notice) -> str:
    """Why the command died, in a few words for the log."""
    reason = notice.reason or "no x-death"
    return f"{reason}; last error: {notice.last_error}" if notice.last_error else reason


def tell(notice: Notice, publisher, queue: str) -> str:
    """Publish the apology a notice of `queue` calls for and log it; return the outcome
    (`sent`, `repeat`: died before and was told then, `unaddressed`: no chat to tell).

    Raises what the publish raises (TransientError if nacked, PermanentError if unroutable).
    """
    dead = topology.dead_queue(queue)
    if notice.chat_id is None or notice.message_id is None:
        log.error("command %s ended in %s (%s) and names no chat: nobody to tell",
                  notice.message_id or "?", dead, why(notice))
        return "unaddressed"
    message = apology(notice)
    # No x-outbox-id header: the notifier puts a reply without one after the chat's others.
    publisher.publish(topology.OUTBOX_EXCHANGE, topology.OUTBOX_ROUTING_KEY, encode(message),
                      message.message_id, headers={CORRELATION_HEADER: notice.correlation_id})
    if notice.deaths > 1:
        log.warning("command %s ended in %s again (%s; %d deaths): the resident was told when it "
                    "first died, the notifier drops this apology if it sent that one",
                    notice.message_id, dead, why(notice), notice.deaths)
        return "repeat"
    log.warning("command %s ended in %s (%s); the resident is told (%s)", notice.message_id,
                dead, why(notice), message.message_id)
    return "sent"


def _json_object(body: bytes) -> dict:
    try:
        found = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def _message_id(value) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_MESSAGE_ID else None


def _update_message_id(value) -> str | None:
    return command_message_id(value) if type(value) is int else None


def _count(death: dict) -> int:
    count = death.get("count", 1)  # pika's own `long`, an int subclass
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""
