"""The complaint watcher: every answer to a complaint reaches its resident once, whoever wrote it.

It runs in the status watcher's loop (services/letter_service/watcher.py), each pass:

    answer in OpenSID's admin      a `pengaduan` child row (id_pengaduan = the complaint) that no
                                   `bot_complaint_replies` row names yet: recorded as a reply,
                                   with its author, text and status
    status changed without answer  the complaint row's status moved and no new child row came
                                   with it (a direct UPDATE, an edit): recorded as a reply with
                                   no text, once the change has held for a second pass; OpenSID's
                                   admin sets the status before it inserts the answer, so a pass
                                   between the two must not tell the status alone
    untold reply                   (ours from the console, or one recorded above) one message to
                                   the resident: the answer, its author, the new state; `told_at`
                                   set in the transaction that stores the message in the outbox
    public photo                   with OPENSID_PENGADUAN_DIR set, a public complaint's stored
                                   photo is written there and named in `pengaduan.foto`, where
                                   OpenSID's admin and website show it

Each recording is one transaction guarded by a unique column (`pengaduan_id` of the reply) or
a conditional UPDATE (`told_at IS NULL`), so a watcher killed at any point, or two watchers at
once, neither repeat a message nor lose one; the messages are published after commit, and any
left unpublished are published at the next pass (watcher.unpublished).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from libs import texts, topology
from libs.contracts import Outgoing, encode
from libs.formatting import value
from libs.outbox import publish_pending
from libs.siades.bot_models import (
    FILE_STORED,
    Complaint,
    ComplaintReply,
    OutboxEntry,
    ReceivedFile,
)
from libs.siades.coltypes import utcnow
from libs.siades.complaints import Pengaduan
from libs.vocabulary.complaints import ComplaintState
from services.letter_service.complaints import records

log = logging.getLogger(__name__)

SOURCE_PREFIX = "complaint-reply-"  # OutboxEntry.source_message_id of a reply's message
MAX_BODY = 3500  # characters of an answer in the message (Telegram's limit is 4,096 in all)
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


def correlation_id(complaint_id: int) -> str:
    return f"complaint-{complaint_id}"


class ComplaintWatch:
    """One pass at a time; remembers, between passes, the status-only changes it has seen once."""

    def __init__(self, factory: sessionmaker, publisher, pengaduan_dir: str = ""):
        self.factory, self.publisher = factory, publisher
        self.pengaduan_dir = Path(pengaduan_dir) if pengaduan_dir else None
        self._pending_status: dict[int, int] = {}  # complaint id -> status seen once, unanswered

    def watch_once(self, now: datetime | None = None) -> int:
        """Record OpenSID's new answers and status changes, tell every untold reply; returns
        how many replies were told."""
        now = now or utcnow()
        self.import_answers(now)
        self.import_status_changes(now)
        told = 0
        with self.factory() as session:
            untold = list(session.scalars(select(ComplaintReply.id).where(
                ComplaintReply.told_at.is_(None)).order_by(ComplaintReply.id)))
        for reply_id in untold:
            entries = tell(self.factory, reply_id, now)
            publish_pending(self.factory, self.publisher, entries)
            told += bool(entries)
        if self.pengaduan_dir is not None:
            place_photos(self.factory, self.pengaduan_dir)
        return told

    def import_answers(self, now: datetime) -> None:
        with self.factory() as session:
            rows = session.execute(
                select(Complaint.id, Pengaduan.id)
                .join(Pengaduan, Pengaduan.parent_id == Complaint.pengaduan_id)
                .outerjoin(ComplaintReply, ComplaintReply.pengaduan_id == Pengaduan.id)
                .where(ComplaintReply.id.is_(None))
                .order_by(Pengaduan.id)).all()
        for complaint_id, child_id in rows:
            record_answer(self.factory, complaint_id, child_id, now)
            self._pending_status.pop(complaint_id, None)

    def import_status_changes(self, now: datetime) -> None:
        with self.factory() as session:
            rows = session.execute(
                select(Complaint.id, Pengaduan.status)
                .join(Pengaduan, Pengaduan.id == Complaint.pengaduan_id)
                .where(Pengaduan.status != Complaint.status)).all()
        moved = dict(rows)
        for complaint_id, status in moved.items():
            if self._pending_status.get(complaint_id) == status:
                record_status(self.factory, complaint_id, status, now)
                del self._pending_status[complaint_id]
            else:
                self._pending_status[complaint_id] = status
        for complaint_id in set(self._pending_status) - set(moved):
            del self._pending_status[complaint_id]


def record_answer(factory: sessionmaker, complaint_id: int, child_id: int, now: datetime) -> None:
    """An answer written in OpenSID's admin, as our reply (once: `pengaduan_id` is unique)."""
    try:
        with factory.begin() as session:
            complaint = session.get(Complaint, complaint_id)
            child = session.get(Pengaduan, child_id)
            reply = ComplaintReply(complaint_id=complaint.id, pengaduan_id=child.id,
                                   author=(child.name or "")[:100], body=child.body or "",
                                   status=_known_state(child.status, complaint.status),
                                   created_at=now)
            session.add(reply)
            records.note_reply(complaint, reply, now)
        log.info("complaint %d: answer %d from OpenSID's admin recorded", complaint_id, child_id)
    except IntegrityError:
        pass  # another watcher recorded it


def record_status(factory: sessionmaker, complaint_id: int, status: int, now: datetime) -> None:
    """A status change on the complaint's row with no answer: a reply without text."""
    with factory.begin() as session:
        complaint = session.get(Complaint, complaint_id, with_for_update=True)
        if complaint.status == status:
            return  # another watcher recorded it
        reply = ComplaintReply(complaint_id=complaint.id, author="", body="",
                               status=_known_state(status, complaint.status), created_at=now)
        session.add(reply)
        records.note_reply(complaint, reply, now)
    log.info("complaint %d: status %d set in OpenSID recorded", complaint_id, status)


def _known_state(status: int | None, fallback: int) -> int:
    try:
        return ComplaintState(status)
    except ValueError:
        return fallback


def tell(factory: sessionmaker, reply_id: int, now: datetime) -> list[OutboxEntry]:
    """Store the resident's message about one reply and mark it told, in one transaction."""
    with factory.begin() as session:
        marked = session.execute(update(ComplaintReply).where(
            ComplaintReply.id == reply_id, ComplaintReply.told_at.is_(None)).values(told_at=now))
        if marked.rowcount != 1:
            return []  # another watcher told it
        reply = session.get(ComplaintReply, reply_id)
        complaint = session.get(Complaint, reply.complaint_id)
        message = message_for(complaint, reply)
        entry = OutboxEntry(message_id=message.message_id,
                            source_message_id=f"{SOURCE_PREFIX}{reply.id}",
                            routing_key=topology.OUTBOX_ROUTING_KEY,
                            payload=encode(message).decode(), created_at=now)
        session.add(entry)
    return [entry]


def message_for(complaint: Complaint, reply: ComplaintReply) -> Outgoing:
    """What the resident reads about a reply: the answer and the complaint's state."""
    fields = {"number": complaint.id, "title": value(complaint.title),
              "state": records.state_name(reply.status)}
    if reply.body.strip():
        body = reply.body if len(reply.body) <= MAX_BODY else reply.body[:MAX_BODY] + "…"
        text = texts.COMPLAINT_ANSWERED.format(
            **fields, body=value(body), author=value(reply.author or texts.COMPLAINT_OFFICE))
    else:
        text = texts.COMPLAINT_STATE_CHANGED.format(**fields)
    if reply.status == ComplaintState.DONE:
        text += texts.COMPLAINT_CLOSED_NOTE
    return Outgoing(message_id=f"complaint-reply-{reply.id}", chat_id=complaint.chat_id,
                    text=text, reply_markup=texts.MAIN_MENU,
                    correlation_id=correlation_id(complaint.id))


def unpublished_pattern() -> str:
    """The outbox entries of this module, for watcher.unpublished's LIKE."""
    return f"{SOURCE_PREFIX}%"


def place_photos(factory: sessionmaker, directory: Path) -> None:
    """Write each public complaint's stored photo where OpenSID shows it, and name it there."""
    with factory() as session:
        waiting = session.execute(
            select(Complaint.id, Complaint.pengaduan_id, ReceivedFile.id)
            .join(ReceivedFile, ReceivedFile.id == Complaint.photo_id)
            .where(Complaint.pengaduan_id.is_not(None), ReceivedFile.state == FILE_STORED,
                   ReceivedFile.opensid_name.is_(None))).all()
    for complaint_id, pengaduan_id, file_id in waiting:
        try:
            with factory.begin() as session:
                place_photo(session, directory, pengaduan_id, file_id)
        except OSError as exc:
            log.warning("complaint %d: photo not placed in %s (%s)", complaint_id, directory, exc)


def place_photo(session: Session, directory: Path, pengaduan_id: int, file_id: int) -> None:
    found = session.get(ReceivedFile, file_id)
    name = f"telegram_{pengaduan_id}.{PHOTO_EXTENSIONS.get(found.mime_type, 'jpg')}"
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{name}.part"
    partial.write_bytes(found.content)
    os.replace(partial, directory / name)  # OpenSID never reads half a file
    found.opensid_name = name
    session.execute(update(Pengaduan).where(Pengaduan.id == pengaduan_id).values(photo=name))
