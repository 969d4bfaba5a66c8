"""Exactly-once effects for the workers: inbox, outbox, publish after commit.

For each command message (libs/worker.py):
 1. one transaction: if its id is not in `bot_inbox`, run the handler, record the id, and store
    the replies in `bot_outbox`; commit.
 2. publish the replies of that command not yet published (with confirms), mark them published.
 3. the consumer loop acks.
A crash after 1 redelivers the message: step 1 finds the id and does nothing, step 2 sends what
is still unsent. Two copies racing (Telegram resent the update) collide on the inbox key; the
loser only does step 2. The notifier drops a reply whose id it already sent.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from libs import metrics, topology
from libs.contracts import Command, encode
from libs.logs import CORRELATION_HEADER
from libs.siades.bot_models import InboxEntry, OutboxEntry
from libs.siades.coltypes import utcnow

log = logging.getLogger(__name__)

# Telegram resends an update for 24 h at most; after a week an inbox entry only risks
# swallowing a new update whose id Telegram picked at random and happens to reuse.
INBOX_RETENTION = timedelta(days=7)
# The outbox row's id, in every reply's headers: one sequence across every worker that shares
# the database, so the notifier can put a chat's replies back in order after the broker
# returned them in another (a quorum queue may, with what a consumer that died held:
# rabbitmq-server issue 6804).
SEQUENCE_HEADER = "x-outbox-id"


def process_once(factory: sessionmaker, service: str, command: Command, work) -> list[OutboxEntry]:
    """Run `work(session)` at most once for this command; return its unpublished replies."""
    now = utcnow()
    try:
        with factory.begin() as session:
            if session.get(InboxEntry, command.message_id) is not None:
                log.info("command %s already handled; resending what is unsent",
                         command.message_id)
                metrics.note(outcome="duplicate")
                return _unpublished(session, command.message_id)
            replies = work(session)
            session.add(InboxEntry(message_id=command.message_id, service=service,
                                   handled_at=now))
            entries = [
                OutboxEntry(message_id=r.message_id, source_message_id=command.message_id,
                            routing_key=topology.OUTBOX_ROUTING_KEY,
                            payload=encode(r).decode(), created_at=now)
                for r in replies
            ]
            session.add_all(entries)
        return entries  # the usual case: one transaction, no second look
    except IntegrityError:
        log.info("command %s handled concurrently by another worker", command.message_id)
        metrics.note(outcome="duplicate")
    with factory() as session:
        return _unpublished(session, command.message_id)


def _unpublished(session: Session, source_message_id: str) -> list[OutboxEntry]:
    return list(session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.source_message_id == source_message_id,
               OutboxEntry.published_at.is_(None))
        .order_by(OutboxEntry.id)
    ))


def publish_pending(factory: sessionmaker, publisher, entries: list[OutboxEntry],
                    exchange: str = topology.OUTBOX_EXCHANGE) -> None:
    """Publish stored replies in order, marking each published once the broker confirmed it."""
    for entry in entries:
        headers = {SEQUENCE_HEADER: entry.id, CORRELATION_HEADER: correlation_of(entry)}
        publisher.publish(exchange, entry.routing_key, entry.payload.encode(),
                          entry.message_id, headers=headers)
        with factory.begin() as session:
            session.execute(update(OutboxEntry).where(OutboxEntry.id == entry.id)
                            .values(published_at=utcnow()))


def correlation_of(entry: OutboxEntry) -> str:
    """The correlation id a stored reply carries (its Outgoing's), else its source's id."""
    try:
        return json.loads(entry.payload).get("correlation_id") or entry.source_message_id
    except (ValueError, AttributeError):
        return entry.source_message_id


def prune(factory: sessionmaker, now: datetime) -> None:
    """Forget inbox entries and published replies older than INBOX_RETENTION (revocations
    stay: they are the memory that each was published, services/letter_service/revocations)."""
    cutoff = now - INBOX_RETENTION
    with factory.begin() as session:
        session.execute(delete(InboxEntry).where(InboxEntry.handled_at < cutoff))
        session.execute(delete(OutboxEntry).where(
            OutboxEntry.published_at < cutoff,
            OutboxEntry.routing_key != topology.REVOCATION_ROUTING_KEY))
