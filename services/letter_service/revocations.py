"""Withdrawn letters reach the online verification page, each exactly once.

An issued letter is withdrawn when its `bot_letter_documents` row has `revoked_at`: the
console's "Cabut surat" sets it (with `withdraw`, or directly), and so does this module when a
request that has a document stands at 5 (Dibatalkan): it went from 3 or 4 to 5 elsewhere, in
OpenSID's admin say, and its `keterangan` is the reason. Each pass of the status watcher:

    1. withdraws those requests' documents (revoked_at, the reason), and stores the revocation
    2. stores the revocation of every other withdrawn document that has none stored yet
    3. publishes the stored ones not yet published to siades.revocations, each marked once the
       broker confirmed it

A revocation is stored as the `bot_outbox` row `revocation-<request id>` (unique: a racing
watcher loses on it), in the transaction that withdraws the letter (1), or the first one after
(2). Published after commit, and again after a crash before its mark: the gateway keeps a
repeat once. The rows stay (libs/outbox.py's prune spares them): they are the memory that the
revocation is out.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from libs import topology
from libs.formatting import local_time
from libs.outbox import publish_pending
from libs.revocations import Revocation, encode, token_digest
from libs.siades.bot_models import LetterDocument, OutboxEntry
from libs.siades.coltypes import utcnow
from libs.siades.letters import LetterRequest
from libs.vocabulary.states import RequestState

log = logging.getLogger(__name__)

PREFIX = "revocation-"
REASON_MAX = 500  # bot_letter_documents.revoked_reason


def message_id(request_id: int) -> str:
    """The outbox id of the revocation of request `request_id`'s letter."""
    return f"{PREFIX}{request_id}"


def withdraw(session: Session, letter: LetterDocument, reason: str | None, now: datetime,
             zone: str) -> None:
    """Withdraw an issued letter in the caller's transaction, its revocation stored with it."""
    letter.revoked_at = now
    letter.revoked_reason = (reason or "").strip()[:REASON_MAX] or None
    store(session, letter, zone)


def store(session: Session, letter: LetterDocument, zone: str) -> None:
    """Store the revocation of a withdrawn letter, to be published after commit."""
    revocation = Revocation(
        token_sha256=token_digest(letter.token), request_id=letter.request_id,
        number=letter.number, revoked_on=local_time(letter.revoked_at, zone).date(),
        reason=letter.revoked_reason or "")
    session.add(OutboxEntry(
        message_id=message_id(letter.request_id), source_message_id=message_id(letter.request_id),
        routing_key=topology.REVOCATION_ROUTING_KEY, payload=encode(revocation).decode(),
        created_at=utcnow()))
    session.flush()


def publish_withdrawn(factory: sessionmaker, publisher, zone: str) -> int:
    """One pass (1, 2, 3 above); returns how many revocations it published."""
    for request_id in _cancelled_with_letter(factory):
        _in_own_transaction(factory, request_id, zone, cancelled=True)
    for request_id in _withdrawn_unstored(factory):
        _in_own_transaction(factory, request_id, zone, cancelled=False)
    with factory() as session:
        pending = list(session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.routing_key == topology.REVOCATION_ROUTING_KEY,
                   OutboxEntry.published_at.is_(None))
            .order_by(OutboxEntry.id)))
    publish_pending(factory, publisher, pending, exchange=topology.REVOCATIONS_EXCHANGE)
    for entry in pending:
        log.info("published %s to %s", entry.message_id, topology.REVOCATIONS_EXCHANGE)
    return len(pending)


def _cancelled_with_letter(factory: sessionmaker) -> list[int]:
    """Requests at 5 whose letter was issued and is not withdrawn yet (the village's own)."""
    with factory() as session:
        return list(session.scalars(
            select(LetterDocument.request_id)
            .join(LetterRequest, LetterRequest.id == LetterDocument.request_id)
            .where(LetterRequest.status == RequestState.CANCELLED,
                   LetterDocument.revoked_at.is_(None))))


def _withdrawn_unstored(factory: sessionmaker) -> list[int]:
    """Withdrawn letters (the village's own) whose revocation is not stored yet."""
    with factory() as session:
        withdrawn = set(session.scalars(
            select(LetterDocument.request_id)
            .join(LetterRequest, LetterRequest.id == LetterDocument.request_id)
            .where(LetterDocument.revoked_at.is_not(None))))
        stored = set(session.scalars(
            select(OutboxEntry.message_id)
            .where(OutboxEntry.routing_key == topology.REVOCATION_ROUTING_KEY)))
    return sorted(r for r in withdrawn if message_id(r) not in stored)


def _in_own_transaction(factory: sessionmaker, request_id: int, zone: str,
                        cancelled: bool) -> None:
    """Withdraw (`cancelled`) or only store, re-reading the rows under a lock first."""
    try:
        with factory.begin() as session:
            letter = session.get(LetterDocument, request_id, with_for_update=True)
            if letter is None:
                return
            if cancelled and letter.revoked_at is None:
                request = session.get(LetterRequest, request_id)
                withdraw(session, letter, request.note if request else None, utcnow(), zone)
                log.info("letter %s of request %d withdrawn (cancelled after it was issued)",
                         letter.number, request_id)
            elif letter.revoked_at is not None and not _stored(session, request_id):
                store(session, letter, zone)
    except IntegrityError:
        pass  # another watcher stored it first


def _stored(session: Session, request_id: int) -> bool:
    """Whether the revocation of this request's letter is stored already."""
    return session.scalar(select(OutboxEntry.id).where(
        OutboxEntry.message_id == message_id(request_id))) is not None
