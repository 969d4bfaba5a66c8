"""The complaint figures of the dashboard: complaints per state, and how fast the office
answers and closes them (median and 90th percentile, in hours), overall and per staff member.

Of the complaints from the chat (bot_complaints, all naive UTC):
- time to the first answer: first_answer_at - created_at, of every answered complaint; the
  staff member is the author of its first reply (bot_complaint_replies, lowest id);
- time to closure: closed_at - created_at, of every complaint now Selesai Diproses; the staff
  member is the author of the reply that closed it (the first Selesai reply after the last
  reply that reopened it, as records.note_reply sets closed_at);
- a reply with no staff_id was written in OpenSID's admin: counted as "Admin OpenSID";
- overdue: unanswered now for longer than SLA_HOURS, and answered later than SLA_HOURS.
Complaints sent through OpenSID's own website form are counted per state only: their answers
are OpenSID's, outside these figures. Percentiles are stats.percentile's, in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.siades.bot_models import Complaint, ComplaintReply, Staff
from libs.siades.complaints import Pengaduan
from libs.vocabulary.complaints import ComplaintState
from services.letter_service.complaints.records import WEBSITE_COMPLAINT
from services.letter_service.console.stats import Figure, figure, hours_between, signer_name

OPENSID_ADMIN = "Admin OpenSID"
PUBLIC, PRIVATE, WEBSITE = "Telegram, publik", "Telegram, privat", "Situs desa"


@dataclass(frozen=True)
class Handled:
    """How one complaint from the chat was handled: hours to its first answer and to its
    closure (None: not yet), and who wrote those answers."""

    complaint_id: int
    created_at: datetime
    first_answer_hours: float | None
    first_answerer: str | None
    closure_hours: float | None
    closer: str | None


@dataclass(frozen=True)
class ComplaintFigures:
    """The dashboard's complaint tables."""

    first_answer: Figure
    first_answer_by_staff: list[Figure]
    closure: Figure
    closure_by_staff: list[Figure]
    unanswered_overdue: int  # unanswered now, for longer than SLA_HOURS
    answered_late: int  # first answered after more than SLA_HOURS


def counts_by_state(session: Session) -> dict[str, dict[int, int]]:
    """Where complaints came from (public, private, the website) -> state -> how many."""
    table: dict[str, dict[int, int]] = {PUBLIC: {}, PRIVATE: {}, WEBSITE: {}}
    for public, status, count in session.execute(
            select(Complaint.public, Complaint.status, func.count())
            .group_by(Complaint.public, Complaint.status)):
        table[PUBLIC if public else PRIVATE][status] = count
    for status, count in session.execute(
            select(Pengaduan.status, func.count()).where(WEBSITE_COMPLAINT)
            .group_by(Pengaduan.status)):
        table[WEBSITE][status] = count
    return table


def handled(session: Session) -> list[Handled]:
    """Every complaint from the chat, with its answering and closing times and authors."""
    names = {member.id: member.full_name for member in session.scalars(select(Staff))}
    by_complaint: dict[int, list[ComplaintReply]] = defaultdict(list)
    for reply in session.scalars(select(ComplaintReply).order_by(ComplaintReply.id)):
        by_complaint[reply.complaint_id].append(reply)
    found = []
    for complaint in session.scalars(select(Complaint).order_by(Complaint.id)):
        replies = by_complaint.get(complaint.id, [])
        closing = closing_reply(replies)
        found.append(Handled(
            complaint_id=complaint.id, created_at=complaint.created_at,
            first_answer_hours=_hours(complaint.created_at, complaint.first_answer_at),
            first_answerer=author(replies[0], names) if replies else None,
            closure_hours=_hours(complaint.created_at, complaint.closed_at),
            closer=author(closing, names) if closing and complaint.closed_at else None))
    return found


def closing_reply(replies: list[ComplaintReply]) -> ComplaintReply | None:
    """The reply that closed the complaint: the first Selesai after the last other one."""
    closing = None
    for reply in replies:
        if reply.status != ComplaintState.DONE:
            closing = None
        elif closing is None:
            closing = reply
    return closing


def author(reply: ComplaintReply, names: dict[int, str]) -> str:
    """Who wrote a reply, for the figures: a staff member, or OpenSID's admin."""
    if reply.staff_id is None:
        return OPENSID_ADMIN
    return signer_name(reply.staff_id, names.get(reply.staff_id))


def figures(found: list[Handled], utc_now: datetime, sla_hours: float) -> ComplaintFigures:
    """Median and p90 of both times, overall and per staff member, and the overdue counts."""
    first = [h for h in found if h.first_answer_hours is not None]
    closed = [h for h in found if h.closure_hours is not None]
    return ComplaintFigures(
        first_answer=figure("Semua aduan", [h.first_answer_hours for h in first]),
        first_answer_by_staff=per_person([(h.first_answerer, h.first_answer_hours)
                                          for h in first]),
        closure=figure("Semua aduan", [h.closure_hours for h in closed]),
        closure_by_staff=per_person([(h.closer, h.closure_hours) for h in closed]),
        unanswered_overdue=sum(1 for h in found if h.first_answer_hours is None
                               and utc_now - h.created_at > timedelta(hours=sla_hours)),
        answered_late=sum(1 for h in first if h.first_answer_hours > sla_hours),
    )


def per_person(pairs: list[tuple[str | None, float]]) -> list[Figure]:
    """A figure per name, by name; OpenSID's admin last."""
    by_name: dict[str, list[float]] = defaultdict(list)
    for name, hours in pairs:
        if name is not None:
            by_name[name].append(hours)
    return [figure(name, hours) for name, hours in
            sorted(by_name.items(), key=lambda item: (item[0] == OPENSID_ADMIN, item[0]))]


def _hours(start: datetime, end: datetime | None) -> float | None:
    return hours_between(start, end) if end is not None else None
