"""Complaints as staff read them: the list of one state (ours from the chat and those residents
sent through the village website's own form), a complaint's page, an OpenSID one's page.

bot_complaints holds naive UTC; `pengaduan` holds the village's local time (OpenSID writes
it): the rows are compared and shown in local time. A complaint is overdue while nobody has
answered it for longer than SLA_HOURS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.formatting import local_time
from libs.siades.bot_models import FILE_STORED, Complaint, ComplaintReply, ReceivedFile
from libs.siades.complaints import Pengaduan
from libs.siades.models import Resident
from libs.vocabulary.complaints import ComplaintState
from services.letter_service.complaints import records
from services.letter_service.complaints.records import WEBSITE_COMPLAINT, WEBSITE_UNANSWERED

LIST_LIMIT = 200  # newest first, per state
FROM_CHAT, FROM_WEBSITE = "telegram", "situs"
ALLOWED_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


@dataclass(frozen=True)
class ComplaintRow:
    """One complaint in the list, from the chat or from the village website."""

    source: str  # FROM_CHAT or FROM_WEBSITE
    id: int  # bot_complaints.id, or pengaduan.id for one from the website
    submitted_at: datetime  # local time
    resident_name: str
    title: str
    public: bool
    has_photo: bool
    has_location: bool
    status: int
    overdue: bool


def state_counts(session: Session) -> dict[int, int]:
    """How many complaints (from the chat and the website) each state holds."""
    counts: dict[int, int] = {}
    for query in (select(Complaint.status, func.count()).group_by(Complaint.status),
                  select(Pengaduan.status, func.count()).where(WEBSITE_COMPLAINT)
                  .group_by(Pengaduan.status)):
        for status, count in session.execute(query):
            counts[status] = counts.get(status, 0) + count
    return counts


def complaints_in(session: Session, status: int, utc_now: datetime, zone: str,
                  sla_hours: float) -> list[ComplaintRow]:
    """The newest complaints in this state (at most LIST_LIMIT), both kinds, newest first."""
    rows = [_chat_row(complaint, name, utc_now, zone, sla_hours) for complaint, name in
            session.execute(
                select(Complaint, Resident.name)
                .outerjoin(Resident, Resident.id == Complaint.resident_id)
                .where(Complaint.status == status)
                .order_by(Complaint.id.desc()).limit(LIST_LIMIT))]
    local_now = local_time(utc_now, zone)
    rows += [_website_row(row, unanswered, local_now, sla_hours) for row, unanswered in
             session.execute(
                 select(Pengaduan, WEBSITE_UNANSWERED)
                 .where(WEBSITE_COMPLAINT, Pengaduan.status == status)
                 .order_by(Pengaduan.id.desc()).limit(LIST_LIMIT))]
    rows.sort(key=lambda row: row.submitted_at, reverse=True)
    return rows[:LIST_LIMIT]


def is_overdue(complaint: Complaint, utc_now: datetime, sla_hours: float) -> bool:
    """Whether nobody has answered the complaint for longer than SLA_HOURS."""
    return (complaint.first_answer_at is None
            and utc_now - complaint.created_at > timedelta(hours=sla_hours))


def _chat_row(complaint: Complaint, name: str | None, utc_now: datetime, zone: str,
              sla_hours: float) -> ComplaintRow:
    return ComplaintRow(
        source=FROM_CHAT, id=complaint.id,
        submitted_at=local_time(complaint.created_at, zone),
        resident_name=name or f"(penduduk #{complaint.resident_id} tidak ada)",
        title=complaint.title, public=complaint.public,
        has_photo=complaint.photo_id is not None, has_location=complaint.latitude is not None,
        status=complaint.status, overdue=is_overdue(complaint, utc_now, sla_hours))


def _website_row(row: Pengaduan, unanswered: bool, local_now: datetime,
                 sla_hours: float) -> ComplaintRow:
    return ComplaintRow(
        source=FROM_WEBSITE, id=row.id, submitted_at=row.created_at,
        resident_name=row.name, title=row.title or records.title_from(row.body or ""),
        public=True, has_photo=bool(row.photo), has_location=False, status=row.status,
        overdue=bool(unanswered) and local_now - row.created_at > timedelta(hours=sla_hours))


@dataclass(frozen=True)
class ComplaintView:
    """A complaint from the chat with everything its page shows."""

    complaint: Complaint
    resident: Resident | None
    photo: ReceivedFile | None  # without its bytes
    replies: list[ComplaintReply]
    overdue: bool


def complaint_view(session: Session, complaint: Complaint, utc_now: datetime,
                   sla_hours: float) -> ComplaintView:
    """The complaint's resident, photo record and answers."""
    return ComplaintView(
        complaint=complaint,
        resident=session.get(Resident, complaint.resident_id),
        photo=session.get(ReceivedFile, complaint.photo_id) if complaint.photo_id else None,
        replies=records.replies(session, complaint),
        overdue=is_overdue(complaint, utc_now, sla_hours))


def photo_of(session: Session, complaint_id: int) -> ReceivedFile | None:
    """The stored photo of a complaint, bytes loaded, if it is an image we may serve."""
    photo_id = session.scalar(select(Complaint.photo_id).where(Complaint.id == complaint_id))
    if photo_id is None:
        return None
    photo = session.get(ReceivedFile, photo_id)
    if (photo is None or photo.state != FILE_STORED or photo.mime_type not in ALLOWED_PHOTO_TYPES
            or not photo.content):
        return None
    return photo


@dataclass(frozen=True)
class WebsiteView:
    """A complaint from OpenSID's web form and its answers (child rows), read-only here."""

    complaint: Pengaduan
    answers: list[Pengaduan]


def website_view(session: Session, pengaduan_id: int) -> WebsiteView | int | None:
    """The website complaint; the bot complaint's id if this row is one of ours; None if
    there is no such complaint."""
    ours = session.scalar(select(Complaint.id).where(Complaint.pengaduan_id == pengaduan_id))
    if ours is not None:
        return ours
    row = session.scalar(select(Pengaduan).where(Pengaduan.id == pengaduan_id,
                                                 Pengaduan.parent_id.is_(None)))
    if row is None:
        return None
    answers = session.scalars(select(Pengaduan).where(Pengaduan.parent_id == row.id)
                              .order_by(Pengaduan.id))
    return WebsiteView(row, list(answers))


def complaints_of(session: Session, resident_id: int) -> list[Complaint]:
    """A resident's complaints from the chat, newest first."""
    return list(session.scalars(select(Complaint).where(Complaint.resident_id == resident_id)
                                .order_by(Complaint.id.desc())))


STATES = tuple(ComplaintState)
