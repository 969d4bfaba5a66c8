"""One step of one delivery: a Bot API call, and what came of it. Runs in a sender thread.

    already sent (bot_notifications)  -> Outcome.SKIPPED
    chat marked unreachable           -> Outcome.SKIPPED (the resident blocked the bot)
    a part of a long text sent        -> Outcome.PART_SENT (the next part follows)
    a callback answer or a keyboard removal Telegram refuses (too late, gone) -> Outcome.SENT
    the last part sent                -> recorded in bot_notifications, Outcome.SENT
    403                               -> chat marked unreachable, Outcome.BLOCKED
    400                               -> Outcome.REFUSED, with Telegram's description
    429                               -> Outcome.RATE_LIMITED, with retry_after
    5xx, 401, timeouts, no network    -> Outcome.FAILED
    the database unreachable          -> Outcome.DATABASE_DOWN
    anything else (a bug)             -> Outcome.BROKEN
What to do about each (pace, retry, park) is the dispatcher's business.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from libs.contracts import Outgoing
from libs.errors import PermanentError, TransientError
from libs.outbox import SEQUENCE_HEADER
from libs.siades.bot_models import Chat, LetterDocument, Notification
from libs.siades.coltypes import utcnow
from libs.telegram import BadRequest, Forbidden, RateLimited, TelegramClient
from services.notifier import files
from services.notifier.splitting import split_text

log = logging.getLogger(__name__)

RECORD_ATTEMPTS = 3


class Outcome(enum.Enum):
    SENT = "sent"
    PART_SENT = "part sent"
    SKIPPED = "skipped"
    BLOCKED = "blocked"
    REFUSED = "refused"
    RATE_LIMITED = "rate limited"
    FAILED = "failed"
    DATABASE_DOWN = "database down"
    BROKEN = "broken"


@dataclass(frozen=True)
class Result:
    """What one step came to; `detail` is Telegram's description or the error."""

    outcome: Outcome
    detail: str = ""
    retry_after: float = 0.0


@dataclass
class Delivery:
    """A message taken from the queue, until it is acknowledged or parked."""

    tag: int
    body: bytes
    headers: dict
    message: Outgoing
    parts: list[str] = field(default_factory=list)
    next_part: int = 0
    failures: int = 0

    def __post_init__(self):
        if not self.parts:
            html = self.message.parse_mode == "HTML"
            self.parts = (split_text(self.message.text, html=html)
                          if self.message.method == "sendMessage" and self.message.text
                          else [self.message.text])

    @property
    def sequence(self) -> int | None:
        """Where the message was made among all replies (its outbox row id), if it says."""
        value = self.headers.get(SEQUENCE_HEADER)
        return value if isinstance(value, int) else None

    @property
    def counts_as_message(self) -> bool:
        """Whether Telegram counts this call against the chat's limit: only sends do (not a
        callback answer, not taking a spent keyboard off)."""
        return self.message.method.startswith("send")  # a download (getFile) is no message


def step(client: TelegramClient, delivery: Delivery, factory: sessionmaker) -> Result:
    """Make the next call of `delivery`; never raises."""
    message = delivery.message
    try:
        if delivery.next_part == 0 and _done_or_unwanted(factory, message):
            return Result(Outcome.SKIPPED)
        last = delivery.next_part + 1 == len(delivery.parts)
        result = call(client, message, delivery.parts[delivery.next_part], factory, last=last)
    except Forbidden as exc:
        _mark_unreachable(factory, message.chat_id)
        return Result(Outcome.BLOCKED, str(exc))
    except BadRequest as exc:
        return Result(Outcome.REFUSED, str(exc))
    except RateLimited as exc:
        return Result(Outcome.RATE_LIMITED, str(exc), retry_after=exc.retry_after or 1.0)
    except TransientError as exc:
        return Result(Outcome.FAILED, str(exc))
    except SQLAlchemyError as exc:
        return Result(Outcome.DATABASE_DOWN, type(exc).__name__)
    except PermanentError as exc:
        return Result(Outcome.REFUSED, str(exc))
    except Exception as exc:  # noqa: BLE001 - reported to the dispatcher, which parks it
        log.exception("message %s: unexpected error", message.message_id)
        return Result(Outcome.BROKEN, repr(exc))
    if not last:
        return Result(Outcome.PART_SENT)
    _record_sent(factory, message, result)
    log.info("message %s sent (%s)", message.message_id, message.method)
    return Result(Outcome.SENT)


def call(client: TelegramClient, message: Outgoing, text: str, factory: sessionmaker,
         last: bool = True) -> dict:
    """The Bot API call `message` describes, with `text` as its text (one part of it).

    Buttons go under the last part only.
    """
    if message.method == "answerCallbackQuery":
        params = {"callback_query_id": message.extra["callback_query_id"],
                  "text": text or None}
        try:
            client.call("answerCallbackQuery", params)
        except BadRequest as exc:
            # Too late (Telegram waits ~15 s) or already answered: the reply still follows.
            log.info("callback answer %s not taken: %s", message.message_id, exc)
        return {}
    if message.method == "editMessageReplyMarkup":
        return _remove_keyboard(client, message)
    if message.method == "sendDocument":
        return _send_document(client, message, factory)
    if message.method == "getFile":
        return files.fetch(client, message, factory)
    return client.send_message(message.chat_id, text, message.parse_mode,
                               message.reply_markup if last else None)


def _remove_keyboard(client: TelegramClient, message: Outgoing) -> dict:
    """Take the inline keyboard off a message (no reply_markup: Telegram removes it)."""
    try:
        return client.call("editMessageReplyMarkup", {"chat_id": message.chat_id,
                                                      "message_id": message.extra["message_id"]})
    except BadRequest as exc:
        # Gone already (not modified), deleted by the resident, or too old to edit (48 h):
        # the keyboard is spent either way, and the reply to the tap has gone.
        log.info("keyboard of %s not removed: %s", message.message_id, exc)
        return {}


def _send_document(client: TelegramClient, message: Outgoing, factory: sessionmaker) -> dict:
    """An issued letter's PDF, read from the database and uploaded; or a file Telegram has."""
    document = message.document or {}
    if "letter_request_id" not in document:
        return client.call("sendDocument", {
            "chat_id": message.chat_id, "document": document.get("file"),
            "caption": message.text or None, "parse_mode": message.parse_mode,
            "reply_markup": message.reply_markup})
    with factory() as session:
        letter = session.get(LetterDocument, document["letter_request_id"])
    if letter is None:
        raise PermanentError(f"no issued letter {document['letter_request_id']}")
    return client.send_document(message.chat_id, letter.file_name, letter.pdf,
                                caption=message.text or None, parse_mode=message.parse_mode,
                                reply_markup=message.reply_markup)


def _done_or_unwanted(factory: sessionmaker, message: Outgoing) -> bool:
    with factory() as session:
        if session.get(Notification, message.message_id) is not None:
            log.info("message %s already sent; skipped", message.message_id)
            return True
        chat = session.get(Chat, message.chat_id)
        if chat is not None and chat.unreachable_since is not None:
            log.info("message %s dropped: chat %s blocked the bot", message.message_id,
                     message.chat_id)
            return True
    return False


def _mark_unreachable(factory: sessionmaker, chat_id: int) -> None:
    try:
        with factory.begin() as session:
            session.merge(Chat(chat_id=chat_id, unreachable_since=utcnow(),
                               updated_at=utcnow()))
    except SQLAlchemyError as exc:
        log.warning("chat %s blocked the bot, but that could not be recorded (%s)", chat_id,
                    exc)


def _record_sent(factory: sessionmaker, message: Outgoing, result: dict | None,
                 sleep=time.sleep) -> None:
    # Telegram has the message now: failing here must not send it again, so never raise.
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            with factory.begin() as session:
                session.add(Notification(
                    message_id=message.message_id, chat_id=message.chat_id,
                    method=message.method, sent_at=utcnow(),
                    telegram_message_id=(result or {}).get("message_id"),
                ))
            return
        except SQLAlchemyError as exc:
            log.warning("message %s sent but not yet recorded (%s)", message.message_id, exc)
            sleep(0.5 * attempt)
    log.error("message %s sent but could not be recorded; a redelivery would repeat it",
              message.message_id)
