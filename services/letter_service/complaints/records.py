"""Complaints in the database: filing one, the office answering it, and what the resident sees.

Every complaint from the chat is a `bot_complaints` row. A **public** one is also a `pengaduan`
row, shaped as OpenSID's own web form writes it (name, NIK, title, text, status 1; on v2410 the
village's `config_id` and `ip_address` "telegram"), so OpenSID's admin lists and answers it.
A **private** one is never written to `pengaduan`: OpenSID's public website lists every
complaint row of the village (name, text, photo, answers) with the same query its admin list
uses, so no column could keep a row out of one and in the other. Private complaints are seen
and answered in our console only.

An answer is a `bot_complaint_replies` row, whoever wrote it. Our console writes it here with
`answer`, and for a public complaint also the `pengaduan` child row OpenSID's admin would
write (its `id_pengaduan` = the complaint; the status set on the complaint and on its earlier
answers, as Pengaduan_admin::kirim does). An answer written in OpenSID's admin is found by the
watcher (services/letter_service/complaint_watch.py), which records it here. Either way the
watcher tells the resident each reply whose `told_at` is NULL, once.

What goes into `pengaduan` is made safe for OpenSID's pages: its public theme prints `isi` and
`judul` unescaped, so `<` and `>` become `‹` and `›` (in every Latin font, unlike the
fullwidth forms, which OpenSID's admin font shows as boxes); its tables are often utf8mb3,
which refuses characters beyond the BMP (emoji), so those are dropped there. The resident's
exact text stays in `bot_complaints`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased

from libs.siades.bot_models import Complaint, ComplaintReply
from libs.siades.complaints import Pengaduan
from libs.siades.models import Resident
from libs.siades.village import Generation, generation_of
from libs.vocabulary.complaints import COMPLAINT_STATE_NAMES, ComplaintState

TITLE_LENGTH = 100  # pengaduan.judul
TITLE_FROM_TEXT = 60  # a guided complaint's title: its first words, up to this many characters
IP_ADDRESS = "telegram"  # pengaduan.ip_address (v2410): where the complaint came from
PER_DAY = 5  # complaints a resident may send in 24 hours
HISTORY_LENGTH = 10
_UNSAFE = str.maketrans({"<": "\u2039", ">": "\u203a"})  # ‹ ›

_answer = aliased(Pengaduan)
# A `pengaduan` complaint no bot complaint points to: sent through OpenSID's own web form.
WEBSITE_COMPLAINT = (
    Pengaduan.parent_id.is_(None)
    & ~exists().where(Complaint.pengaduan_id == Pengaduan.id)
)
# ... that nobody has answered in OpenSID's admin yet.
WEBSITE_UNANSWERED = ~exists().where(_answer.parent_id == Pengaduan.id)


def state_name(status: int) -> str:
    """OpenSID's name of a complaint state (`Menunggu Diproses`...)."""
    try:
        return COMPLAINT_STATE_NAMES[ComplaintState(status)]
    except ValueError:
        return str(status)


def title_from(text: str) -> str:
    """A title for a complaint written in one message: its first words."""
    words = " ".join(text.split())
    if len(words) <= TITLE_FROM_TEXT:
        return words
    cut = words[:TITLE_FROM_TEXT].rsplit(" ", 1)[0] or words[:TITLE_FROM_TEXT]
    return cut + "…"


def opensid_text(text: str) -> str:
    """`text` as it may go into `pengaduan`: no markup, no characters utf8mb3 refuses."""
    return "".join(ch for ch in text.translate(_UNSAFE) if ord(ch) <= 0xFFFF)


def sent_today(session: Session, resident: Resident, utc_now: datetime) -> int:
    """How many complaints the resident sent in the last 24 hours."""
    return session.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.resident_id == resident.id,
        Complaint.created_at > utc_now - timedelta(days=1))) or 0


def file(session: Session, resident: Resident, chat_id: int, *, title: str, body: str,
         public: bool, photo_id: int | None, latitude: float | None, longitude: float | None,
         local_now: datetime, utc_now: datetime) -> Complaint:
    """Record a complaint (and, if public, its `pengaduan` row) with status 1."""
    complaint = Complaint(
        chat_id=chat_id, resident_id=resident.id, title=title[:TITLE_LENGTH], body=body,
        public=public, photo_id=photo_id, latitude=latitude, longitude=longitude,
        status=ComplaintState.WAITING, created_at=utc_now)
    if public:
        row = Pengaduan(nik=resident.nik, name=resident.name[:100],
                        title=opensid_text(title)[:TITLE_LENGTH], body=opensid_text(body),
                        status=ComplaintState.WAITING, created_at=local_now,
                        updated_at=local_now)
        _stamp_address(session, row)
        session.add(row)
        session.flush()
        complaint.pengaduan_id = row.id
    session.add(complaint)
    session.flush()
    return complaint


def answer(session: Session, complaint: Complaint, *, author: str, staff_id: int | None,
           body: str, status: int, local_now: datetime, utc_now: datetime) -> ComplaintReply:
    """The office answers `complaint` (our console): the reply the watcher tells the resident,
    and for a public complaint the `pengaduan` child row and status OpenSID's admin writes."""
    status = ComplaintState(status)
    reply = ComplaintReply(complaint_id=complaint.id, staff_id=staff_id, author=author[:100],
                           body=body, status=status, created_at=utc_now)
    if complaint.pengaduan_id is not None:
        session.execute(update(Pengaduan).where(
            (Pengaduan.id == complaint.pengaduan_id)
            | (Pengaduan.parent_id == complaint.pengaduan_id)).values(
            status=status, updated_at=local_now))
        child = Pengaduan(parent_id=complaint.pengaduan_id, name=author[:100],
                          body=opensid_text(body), status=status, created_at=local_now,
                          updated_at=local_now)
        _stamp_address(session, child)
        session.add(child)
        session.flush()
        reply.pengaduan_id = child.id
    session.add(reply)
    note_reply(complaint, reply, utc_now)
    session.flush()
    return reply


def note_reply(complaint: Complaint, reply: ComplaintReply, utc_now: datetime) -> None:
    """What a reply changes on its complaint: the status, the first answer's and the closing
    time (the dashboard's figures)."""
    complaint.status = reply.status
    if complaint.first_answer_at is None:
        complaint.first_answer_at = utc_now
    if reply.status == ComplaintState.DONE and complaint.closed_at is None:
        complaint.closed_at = utc_now
    elif reply.status != ComplaintState.DONE:
        complaint.closed_at = None


def history(session: Session, resident: Resident) -> list[Complaint]:
    """The resident's latest complaints, newest first."""
    return list(session.scalars(
        select(Complaint).where(Complaint.resident_id == resident.id)
        .order_by(Complaint.id.desc()).limit(HISTORY_LENGTH)))


def replies(session: Session, complaint: Complaint) -> list[ComplaintReply]:
    """The answers to a complaint, oldest first."""
    return list(session.scalars(select(ComplaintReply).where(
        ComplaintReply.complaint_id == complaint.id).order_by(ComplaintReply.id)))


def _stamp_address(session: Session, row: Pengaduan) -> None:
    if generation_of(session) is not Generation.OPENSID_2212:
        row.ip_address = IP_ADDRESS
