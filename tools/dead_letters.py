"""`python -m tools.dead_letters list|requeue QUEUE`: look into a work queue's dead letters and
send them back.

    list QUEUE [--limit N]                  the first N messages of QUEUE.dead: why each was
                                            parked, its routing, its body (NIK/No KK masked);
                                            they all stay where they are
    requeue QUEUE [--limit N] [--id ID]     move messages from QUEUE.dead back into QUEUE, oldest
                                            first (only message ID with --id), with their retry
                                            count reset

QUEUE is a work queue (`data_service.commands`, `letter_service.commands`, `notifier.outbox`);
its `.dead` name works too. RABBITMQ_URL names the broker and the user: in a deployment the
`ops` user, which may read the dead-letter queues and publish to the default exchange. A message
is acknowledged in the dead-letter queue only after the broker confirmed its copy in QUEUE, so a
crash in between leaves a duplicate (the workers recognise it), never a loss.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import pika
from pika.exceptions import NackError, UnroutableError

from libs import topology
from libs.config import Settings
from libs.identity import mask_in_text
from libs.messaging import (
    BROKER_ERRORS,
    ERROR_HEADER,
    RETRIES_HEADER,
    close_quietly,
    connection_parameters,
)

# Why a message was parked; dropped when it goes back so that it starts afresh.
REASON_HEADERS = (RETRIES_HEADER, ERROR_HEADER, "x-telegram-description")
WORK_QUEUE_NAMES = tuple(wq.name for wq in topology.WORK_QUEUES)


def work_queue(name: str) -> str:
    """The work queue `name` stands for (its `.dead` name allowed); ValueError if none."""
    queue = topology.parked_from(name) or name
    if queue not in WORK_QUEUE_NAMES:
        raise ValueError(f"no work queue {name!r}: one of {', '.join(WORK_QUEUE_NAMES)}")
    return queue


@contextmanager
def dead_letter_channel(url: str) -> Iterator:
    """A confirming channel; whatever was fetched and not acknowledged goes back on exit."""
    connection = pika.BlockingConnection(connection_parameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        yield channel
    finally:
        close_quietly(connection)


def waiting(channel, queue: str) -> int:
    """How many messages `queue` holds now."""
    return channel.queue_declare(queue, passive=True).method.message_count


def describe(properties: pika.BasicProperties, body: bytes) -> dict:
    """What an operator needs to judge a dead letter, identity numbers masked."""
    headers = properties.headers or {}
    deaths = headers.get("x-death") or [{}]
    death = deaths[0]  # the most recent
    stamp = properties.timestamp
    return {
        "message_id": properties.message_id,
        "published": datetime.fromtimestamp(stamp, UTC).isoformat() if stamp else None,
        "reason": _text(death.get("reason")),
        "from": " ".join([_text(death.get("exchange")),
                          *map(_text, death.get("routing-keys", []))]).strip(),
        "deaths": sum(d.get("count", 1) for d in deaths if isinstance(d, dict)),
        "retries": headers.get(RETRIES_HEADER, 0),
        "last_error": _text(headers.get(ERROR_HEADER)),
        "telegram": _text(headers.get("x-telegram-description")),
        "body": mask_in_text(body.decode("utf-8", "replace"))[:500],
    }


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def list_dead(channel, queue: str, limit: int) -> list[dict]:
    """The first `limit` messages of `queue`.dead, left in place."""
    found = []
    for _ in range(min(limit, waiting(channel, topology.dead_queue(queue)))):
        method, properties, body = channel.basic_get(topology.dead_queue(queue))
        if method is None:
            break
        found.append(describe(properties, body))
    return found  # closing the channel returns them all, unacknowledged


def requeue(channel, queue: str, limit: int, message_id: str | None = None) -> list[str]:
    """Move up to `limit` dead letters of `queue` back into it; return their message ids."""
    moved = []
    # Counted first: a message that dies again at once must not be moved round and round.
    for _ in range(waiting(channel, topology.dead_queue(queue))):
        if len(moved) >= limit:
            break
        method, properties, body = channel.basic_get(topology.dead_queue(queue))
        if method is None:
            break
        if message_id is not None and properties.message_id != message_id:
            continue  # left unacknowledged: it goes back when the channel closes
        headers = {k: v for k, v in (properties.headers or {}).items()
                   if k not in REASON_HEADERS}
        fresh = pika.BasicProperties(
            content_type=properties.content_type, delivery_mode=pika.DeliveryMode.Persistent,
            message_id=properties.message_id, timestamp=properties.timestamp, headers=headers)
        # Straight into the work queue through the default exchange: whatever else the
        # original exchange routes to (other queues) must not get it a second time.
        channel.basic_publish("", queue, body, fresh, mandatory=True)
        channel.basic_ack(method.delivery_tag)
        moved.append(properties.message_id)
    return moved


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command against RABBITMQ_URL; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tools.dead_letters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "requeue"])
    parser.add_argument("queue", help="the work queue, e.g. data_service.commands")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many (list: 20, requeue: all)")
    parser.add_argument("--id", dest="message_id", help="requeue: only this message id")
    parser.add_argument("--json", action="store_true", help="list: one JSON object per line")
    args = parser.parse_args(argv)
    try:
        queue = work_queue(args.queue)
    except ValueError as exc:
        parser.error(str(exc))
    settings = Settings.from_env()
    try:
        with dead_letter_channel(settings.rabbitmq_url) as channel:
            if args.command == "list":
                print_list(list_dead(channel, queue, args.limit or 20), args.json)
            else:
                moved = requeue(channel, queue, args.limit or sys.maxsize, args.message_id)
                print(f"{len(moved)} message(s) moved from {topology.dead_queue(queue)} "
                      f"back to {queue}")
    except (*BROKER_ERRORS, NackError, UnroutableError) as exc:
        print(f"cannot work on {topology.dead_queue(queue)}: {exc!r}", file=sys.stderr)
        return 1
    return 0


def print_list(found: list[dict], as_json: bool) -> None:
    """One block (or one JSON line) per dead letter."""
    if not found:
        print("no dead letters")
    for number, entry in enumerate(found, 1):
        if as_json:
            print(json.dumps(entry, ensure_ascii=False))
            continue
        print(f"#{number} {entry['message_id']}  {entry['reason']} from {entry['from']}, "
              f"published {entry['published']}, {entry['deaths']} death(s), "
              f"{entry['retries']} retries")
        for key in ("last_error", "telegram"):
            if entry[key]:
                print(f"    {key}: {entry[key]}")
        print(f"    {entry['body']}")


if __name__ == "__main__":
    sys.exit(main())
