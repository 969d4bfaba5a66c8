"""A command worker: the consumer loop's handler for one service's commands, each handled
exactly once through the inbox and the outbox (libs/outbox.py), and the process that runs it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from libs import metrics, outbox, runtime
from libs.config import Settings
from libs.contracts import Command, Outgoing, decode_command
from libs.errors import TransientError
from libs.messaging import Consumer
from libs.siades.coltypes import utcnow

log = logging.getLogger(__name__)

Handle = Callable[[Command, Session, Settings, datetime], list[Outgoing]]

PRUNE_EVERY = timedelta(hours=1)  # of the inbox and published replies (outbox.prune)


def command_worker(service: str, factory: sessionmaker, settings: Settings, handle: Handle):
    """The message handler the consumer loop calls for each command of `service`."""
    last_prune = datetime.min

    def on_command(body: bytes, _properties, publisher) -> None:
        nonlocal last_prune
        command = decode_command(body)  # DecodeError: parked in the DLQ
        metrics.note(action=command.routing_key)
        try:
            if utcnow() - last_prune > PRUNE_EVERY:
                outbox.prune(factory, utcnow())
                last_prune = utcnow()
            entries = outbox.process_once(
                factory, service, command, lambda s: handle(command, s, settings, utcnow())
            )
            outbox.publish_pending(factory, publisher, entries)
        except DBAPIError as exc:
            # The database away: OperationalError, or a connection dropped under us (psycopg
            # reports that as InterfaceError); anything else the database refuses is a bug.
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise TransientError(f"database unavailable: {exc.orig!r}") from exc
            raise
        log.info("command %s (%s) handled, %d repl%s published", command.message_id,
                 command.routing_key, len(entries), "y" if len(entries) == 1 else "ies")

    return on_command


def serve(service: str, queue: str, handle: Handle) -> None:
    """Run a command worker of `service` on `queue` until SIGTERM/SIGINT."""
    with runtime.started(service) as process:
        settings = process.settings
        on_command = command_worker(service, process.database().sessions, settings, handle)
        consumer = Consumer(settings, queue, on_command, name=service)
        metrics.show_consumer(queue)
        process.run(consumer.run, stop=consumer.stop, health=consumer.health)
