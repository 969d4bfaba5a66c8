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
                                               └───▶ Q.dead-notices (command queues only,
                                                       TTL 24 h) ──▶ Q's worker: apologises

 letter watcher ──▶ siades.revocations (fanout) ──▶ gateway.revocations (stream, kept for good)
                                                      └──read from the start──▶ every gateway
```

Names are derived here (`retry_queue`, `dead_queue` and its inverse `parked_from`,
`notice_queue`) and nowhere else typed twice. The broker copies every dead letter of a command
queue into its notice queue, whatever killed it (a reject, the delivery limit after its consumer
died on it), so a resident whose command cannot be answered is told so (libs/notices.py); a
reply that dies gets no notice: an apology for it would most likely fail the same way.

`declare(channel)` is idempotent: every service calls it on connect, unless the broker's
definitions own the topology (RABBITMQ_DECLARE=false, `tools/deploy_config.py` writes them from
this module): then `check(channel)` only looks that it is there. `ROLES` says which user may
consume and publish what.

Withdrawn letters (libs/revocations.py) are the one thing the online side must remember: the
stream keeps every revocation, and each gateway process reads it from its first message at
start, then follows it; reading takes nothing away, so every worker and replica sees them all.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS_EXCHANGE = "siades.commands"
OUTBOX_EXCHANGE = "siades.outbox"
RETRY_EXCHANGE = "siades.retry"
DEAD_EXCHANGE = "siades.dead"
REVOCATIONS_EXCHANGE = "siades.revocations"

DATA_QUEUE = "data_service.commands"
LETTER_QUEUE = "letter_service.commands"
NOTIFIER_QUEUE = "notifier.outbox"
REVOCATIONS_STREAM = "gateway.revocations"

OUTBOX_ROUTING_KEY = "outbox.send"
REVOCATION_ROUTING_KEY = "letter.revoked"

# Redeliveries (consumers that died holding the message) before a queue dead-letters it.
# A queue argument: changing it on a live broker needs a policy, not a restart (see README).
DELIVERY_LIMIT = 10
# An apology days after the command is worse than none (Telegram itself keeps updates 24 h).
NOTICE_TTL_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class WorkQueue:
    """A work queue, where it is bound, and how it fails."""

    name: str
    exchange: str
    binding: str
    single_active_consumer: bool = False
    # Its messages are residents' commands: each dead one earns the resident an apology.
    noticed: bool = False


WORK_QUEUES = (
    WorkQueue(DATA_QUEUE, COMMANDS_EXCHANGE, "data.#", noticed=True),
    WorkQueue(LETTER_QUEUE, COMMANDS_EXCHANGE, "letter.#", noticed=True),
    # One active notifier at a time: the pace is global and each chat keeps its order.
    WorkQueue(NOTIFIER_QUEUE, OUTBOX_EXCHANGE, "#", single_active_consumer=True),
)


def retry_queue(queue: str) -> str:
    """Name of the delay queue a failed message waits in before going back to `queue`."""
    return f"{queue}.retry"


def dead_queue(queue: str) -> str:
    """Name of the dead-letter queue where `queue` parks what it cannot process."""
    return f"{queue}.dead"


def parked_from(name: str) -> str | None:
    """The work queue whose dead-letter queue is `name` (the inverse of `dead_queue`), or None
    if `name` is no work queue's dead-letter queue."""
    return next((wq.name for wq in WORK_QUEUES if dead_queue(wq.name) == name), None)


def notice_queue(queue: str) -> str:
    """Name of the queue that gets a copy of each of `queue`'s dead letters, for its worker to
    tell the resident (beside `Q.dead` in the console, and named as its copy)."""
    return f"{queue}.dead-notices"


def noticed_queue(queue: str) -> str | None:
    """The notice queue of work queue `queue`, or None if its dead letters earn no notice."""
    found = next((wq for wq in WORK_QUEUES if wq.name == queue and wq.noticed), None)
    return notice_queue(found.name) if found else None


def command_routing_key(service: str, action: str) -> str:
    """Routing key of a command, e.g. `data.biodata`."""
    return f"{service}.{action}"


EXCHANGES = (
    (COMMANDS_EXCHANGE, "topic"),
    (OUTBOX_EXCHANGE, "topic"),
    (RETRY_EXCHANGE, "direct"),
    (DEAD_EXCHANGE, "direct"),
    (REVOCATIONS_EXCHANGE, "fanout"),
)


def work_arguments(wq: WorkQueue) -> dict:
    """Arguments of a work queue (quorum, delivery limit, dead-lettered to `Q.dead`)."""
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
    return arguments


def retry_arguments(wq: WorkQueue) -> dict:
    """Arguments of `Q.retry`: what expires there is dead-lettered back into `Q`."""
    return {
        # No queue TTL: each message carries its own delay (`expiration`).
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": wq.name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def notice_arguments() -> dict:
    """Arguments of `Q.dead-notices`: kept a day at most, and dropped (no DLX) after the
    delivery limit, so a notice that kills its worker cannot loop."""
    return {"x-queue-type": "quorum", "x-message-ttl": NOTICE_TTL_MS,
            "x-delivery-limit": DELIVERY_LIMIT}


def stream_arguments() -> dict:
    """Arguments of the revocations stream: no age or size limit, a withdrawn letter stays
    withdrawn (a few a year: the whole stream stays a few kilobytes)."""
    return {"x-queue-type": "stream"}


def queues() -> list[tuple[str, dict]]:
    """Every queue with its arguments, in declaration order."""
    found = []
    for wq in WORK_QUEUES:
        found.append((wq.name, work_arguments(wq)))
        found.append((retry_queue(wq.name), retry_arguments(wq)))
        found.append((dead_queue(wq.name), {"x-queue-type": "quorum"}))
        if wq.noticed:
            found.append((notice_queue(wq.name), notice_arguments()))
    found.append((REVOCATIONS_STREAM, stream_arguments()))
    return found


def bindings() -> list[tuple[str, str, str]]:
    """Every binding as (queue, exchange, routing key)."""
    found = []
    for wq in WORK_QUEUES:
        found.append((wq.name, wq.exchange, wq.binding))
        found.append((retry_queue(wq.name), RETRY_EXCHANGE, wq.name))
        found.append((dead_queue(wq.name), DEAD_EXCHANGE, wq.name))
        if wq.noticed:
            # The same key as Q.dead: the direct exchange copies each dead letter to both.
            found.append((notice_queue(wq.name), DEAD_EXCHANGE, wq.name))
    found.append((REVOCATIONS_STREAM, REVOCATIONS_EXCHANGE, ""))
    return found


def declare(channel) -> None:
    """Declare the whole topology on `channel`; safe to call any number of times."""
    for name, kind in EXCHANGES:
        channel.exchange_declare(name, exchange_type=kind, durable=True)
    for name, arguments in queues():
        channel.queue_declare(name, durable=True, arguments=arguments)
    for queue, exchange, routing_key in bindings():
        channel.queue_bind(queue, exchange, routing_key=routing_key)


def check(channel) -> None:
    """Check passively that every exchange and queue exists (the broker's definitions own
    them); the channel closes with 404 naming the first one missing.

    Every service checks all of them: each one's messages pass through the others' queues.
    A passive declare needs no permission at all in RabbitMQ 3.10 (tested), only the vhost.
    """
    for name, _kind in EXCHANGES:
        channel.exchange_declare(name, passive=True)
    for name, _arguments in queues():
        channel.queue_declare(name, passive=True)


@dataclass(frozen=True)
class Role:
    """A broker user of the deployment: the queues it consumes, the exchanges it publishes to."""

    user: str
    consumes: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()


ROLES = (
    # It follows the revocations stream for /verify, which it may only read.
    Role("gateway", consumes=(REVOCATIONS_STREAM,), publishes=(COMMANDS_EXCHANGE,)),
    # Replies (and apologies) go to the outbox, retries to siades.retry; a reject dead-letters
    # through the queue's own DLX, which needs no permission of the user.
    Role("data_service", consumes=(DATA_QUEUE, notice_queue(DATA_QUEUE)),
         publishes=(OUTBOX_EXCHANGE, RETRY_EXCHANGE)),
    # The worker and its status watcher (the staff console never touches the broker); the
    # watcher publishes the withdrawn letters.
    Role("letter_service", consumes=(LETTER_QUEUE, notice_queue(LETTER_QUEUE)),
         publishes=(OUTBOX_EXCHANGE, RETRY_EXCHANGE, REVOCATIONS_EXCHANGE)),
    # Retries happen in the notifier's memory; it parks with a reason through siades.dead.
    Role("notifier", consumes=(NOTIFIER_QUEUE,), publishes=(DEAD_EXCHANGE,)),
)
