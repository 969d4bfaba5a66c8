"""Every exchange, queue, binding and dead-letter queue, declared in one place.

```
 gateway ──▶ siades.commands (topic)
               ├─ data.#   ──▶ data_service.commands ──▶ data_service
               └─ letter.# ──▶ letter_service.commands ──▶ letter_service
 workers ──▶ siades.outbox (topic)
               └─ #        ──▶ notifier.outbox ──▶ notifier ──▶ Telegram

 for every work queue Q (quorum, delivery limit):
   consumer fails for now  ──▶ siades.retry  [Q] ──▶ Q.retry  (per-message TTL, growing)
                                                       └──dead-letters back──▶ Q
   rejected / over limit   ──▶ siades.dead   [Q] ──▶ Q.dead   (kept for an operator)
```

Names are derived here (`retry_queue`, `dead_queue`) and nowhere else typed twice.
`declare(channel)` is idempotent: every service calls it on connect.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS_EXCHANGE = "siades.commands"
OUTBOX_EXCHANGE = "siades.outbox"
RETRY_EXCHANGE = "siades.retry"
DEAD_EXCHANGE = "siades.dead"

DATA_QUEUE = "data_service.commands"
LETTER_QUEUE = "letter_service.commands"
NOTIFIER_QUEUE = "notifier.outbox"

OUTBOX_ROUTING_KEY = "outbox.send"

# Redeliveries (consumers that died holding the message) before a queue dead-letters it.
# A queue argument: changing it on a live broker needs a policy, not a restart (see README).
DELIVERY_LIMIT = 10


@dataclass(frozen=True)
class WorkQueue:
    """A work queue, where it is bound, and how it fails."""

    name: str
    exchange: str
    binding: str
    single_active_consumer: bool = False


WORK_QUEUES = (
    WorkQueue(DATA_QUEUE, COMMANDS_EXCHANGE, "data.#"),
    WorkQueue(LETTER_QUEUE, COMMANDS_EXCHANGE, "letter.#"),
    # One active notifier at a time: the pace is global and each chat keeps its order.
    WorkQueue(NOTIFIER_QUEUE, OUTBOX_EXCHANGE, "#", single_active_consumer=True),
)


def retry_queue(queue: str) -> str:
    """Name of the delay queue a failed message waits in before going back to `queue`."""
    return f"{queue}.retry"


def dead_queue(queue: str) -> str:
    """Name of the dead-letter queue where `queue` parks what it cannot process."""
    return f"{queue}.dead"


def command_routing_key(service: str, action: str) -> str:
    """Routing key of a command, e.g. `data.biodata`."""
    return f"{service}.{action}"


def declare(channel) -> None:
    """Declare the whole topology on `channel`; safe to call any number of times."""
    for exchange in (COMMANDS_EXCHANGE, OUTBOX_EXCHANGE):
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    for exchange in (RETRY_EXCHANGE, DEAD_EXCHANGE):
        channel.exchange_declare(exchange, exchange_type="direct", durable=True)

    for wq in WORK_QUEUES:
        arguments = {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_EXCHANGE,
            "x-dead-letter-routing-key": wq.name,
            # Quorum queues dead-letter at-most-once unless told otherwise.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        if wq.single_active_consumer:
            arguments["x-single-active-consumer"] = True
        channel.queue_declare(wq.name, durable=True, arguments=arguments)
        channel.queue_bind(wq.name, wq.exchange, routing_key=wq.binding)

        channel.queue_declare(
            retry_queue(wq.name),
            durable=True,
            arguments={
                # No queue TTL: each message carries its own delay (`expiration`).
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": wq.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        channel.queue_bind(retry_queue(wq.name), RETRY_EXCHANGE, routing_key=wq.name)

        channel.queue_declare(
            dead_queue(wq.name), durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(dead_queue(wq.name), DEAD_EXCHANGE, routing_key=wq.name)
