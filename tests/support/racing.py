"""Several worker processes taking queued commands at once: the concurrency tests' one setup."""

from __future__ import annotations

from libs import topology
from libs.config import Settings
from libs.contracts import Command, Outgoing, decode_outgoing, encode
from libs.publishing import Publisher
from tests.integration.test_messaging import get_all
from tests.integration.test_worker_crash import run_worker


def race(broker, amqp_url: str, database_url: str, *, service: str, queue: str,
         commands: list[Command], workers: int, expect: int, settle: float = 0.0
         ) -> list[Outgoing]:
    """Queue `commands`, then start `workers` processes of `service` together; return the
    replies (`expect` of them, plus whatever else comes within `settle` seconds)."""
    publisher = Publisher(Settings(rabbitmq_url=amqp_url))
    for command in commands:
        publisher.publish(topology.COMMANDS_EXCHANGE, command.routing_key, encode(command),
                          command.message_id)
    publisher.close()
    processes = [run_worker(service, amqp_url, database_url) for _ in range(workers)]
    try:
        replies = get_all(amqp_url, topology.NOTIFIER_QUEUE, wait=60, expect=expect)
        if settle:
            replies += get_all(amqp_url, topology.NOTIFIER_QUEUE, wait=settle, expect=10)
        # every worker up (its SIGTERM handler installed) before they are told to stop
        broker.wait_for_consumers(amqp_url, queue, count=workers)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            assert process.wait(20) == 0
    return [decode_outgoing(body) for _, body in replies]
