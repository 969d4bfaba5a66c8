"""Staff alerts: the office hears in Telegram of new work, of work left waiting, and each
morning how things stand.

It runs in the status watcher's loop (services/letter_service/watcher.py), each pass:

    new letter request         `permohonan_surat` rows, whoever wrote them (the chat, OpenSID's
    new complaint              layanan mandiri), complaints from the chat and from the village
                               website's form: one message to each linked operator (to the
                               Kepala Desa if no operator is linked)
    overdue                    a request still waiting (Sedang Diperiksa, Menunggu Tandatangan)
                               or a complaint unanswered SLA_HOURS after it came: once, to the
                               linked Kepala Desa (to the operators if no Kepala Desa is linked)
    daily summary              at DIGEST_HOUR, local time: new in the last 24 hours, waiting,
                               overdue; to every linked staff member

Each message names the resident, the kind and the number, and nothing more (no NIK, no No KK,
no complaint text: a staff member's phone is not the registry), with a button that opens the
item in the console at CONSOLE_PUBLIC_URL.

Every alert has a key (`request-12:new`, `complaint-5:overdue`, `digest:2026-12-04`) that one
transaction stores in `bot_staff_alerts` together with the alert's messages in the outbox, so
a watcher killed at any point, or two at once, send each alert once; the messages are
published after commit (any left over at the next pass, watcher.unpublished).

Only what happened lately is alerted: an item is announced while it is under NEW_WITHIN old,
and escalated in the LATE_WITHIN after it became overdue. A first start on a database with
years of history, or a watcher away for days, does not flood the office's phones; the daily
summary counts everything still open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from libs import texts, topology
from libs.config import Settings
from libs.contracts import Outgoing, encode
from libs.formatting import local_time, tanggal, value, whole_hours
from libs.outbox import publish_pending
from libs.siades.bot_models import (
    STAFF_HEAD,
    STAFF_OPERATOR,
    Complaint,
    OutboxEntry,
    Staff,
    StaffAlert,
)
from libs.siades.complaints import Pengaduan
from libs.siades.letter_forms import kind_of
from libs.siades.letters import LetterFormat, LetterRequest
from libs.siades.models import Resident
from libs.vocabulary.complaints import ComplaintState
from libs.vocabulary.states import STATUS_NAMES, RequestState
from services.letter_service.complaints.records import WEBSITE_COMPLAINT, WEBSITE_UNANSWERED

log = logging.getLogger(__name__)

SOURCE_PREFIX = "staff-alert-"  # OutboxEntry.source_message_id of an alert's messages
NEW_WITHIN = timedelta(hours=24)
LATE_WITHIN = timedelta(hours=24)
DIGEST_LATE_HOURS = 3  # a watcher down at DIGEST_HOUR still sends the summary this much later
WAITING = (RequestState.CHECKING, RequestState.AWAITING_SIGNATURE)
NEW, OVERDUE = "new", "overdue"


@dataclass(frozen=True)
class Item:
    """A letter request or a complaint, as an alert names it."""

    key: str  # `request-12`, `complaint-5` (ours), `pengaduan-9` (the website's)
    text: str  # STAFF_NEW_* or STAFF_LATE_*, filled
    path: str  # in the console


def unpublished_pattern() -> str:
    """The LIKE pattern of the alerts' outbox entries (the watcher publishes leftovers)."""
    return f"{SOURCE_PREFIX}%"


def alert_once(factory: sessionmaker, publisher, settings: Settings, now: datetime) -> int:
    """Send what is due at `now` (naive UTC): new items, overdue ones, the daily summary.
    Returns how many alerts were sent."""
    local_now = local_time(now, settings.timezone)
    with factory() as session:
        operators = recipients(session, STAFF_OPERATOR, STAFF_HEAD)
        heads = recipients(session, STAFF_HEAD, STAFF_OPERATOR)
        due = [(f"{item.key}:{NEW}", item, operators)
               for item in new_items(session, now, settings.timezone)]
        due += [(f"{item.key}:{OVERDUE}", item, heads)
                for item in overdue_items(session, now, settings.timezone, settings.sla_hours)]
        due = _not_yet_sent(session, due)
        digest = None
        if settings.digest_hour <= local_now.hour < settings.digest_hour + DIGEST_LATE_HOURS:
            key = f"digest:{local_now.date().isoformat()}"
            if session.get(StaffAlert, key) is None:
                digest = key, summary(session, now, settings), recipients(session)
    sent = 0
    for key, item, chats in due:
        message = _linked(item.text, texts.STAFF_OPEN_BUTTON,
                          settings.console_public_url + item.path)
        sent += _send(factory, publisher, key, *message, chats, now)
    if digest is not None:
        key, text, chats = digest
        message = _linked(text, texts.STAFF_DASHBOARD_BUTTON,
                          f"{settings.console_public_url}/dasbor")
        sent += _send(factory, publisher, key, *message, chats, now)
    return sent


def recipients(session: Session, *roles: str) -> list[tuple[int, int]]:
    """(staff id, chat id) of the active staff with a linked Telegram chat in the first of
    `roles` that has any (all roles when none are given)."""
    linked = list(session.execute(
        select(Staff.role, Staff.id, Staff.telegram_chat_id)
        .where(Staff.active.is_(True), Staff.telegram_chat_id.is_not(None))
        .order_by(Staff.id)))
    for role in roles:
        found = [(staff_id, chat_id) for staff_role, staff_id, chat_id in linked
                 if staff_role == role]
        if found:
            return found
    return [] if roles else [(staff_id, chat_id) for _role, staff_id, chat_id in linked]


def new_items(session: Session, utc_now: datetime, zone: str) -> Iterator[Item]:
    """Requests and complaints that came in the last NEW_WITHIN, oldest first."""
    local_now = local_time(utc_now, zone)
    for request, name in session.execute(
            _requests_with_names().where(LetterRequest.created_at > local_now - NEW_WITHIN)
            .order_by(LetterRequest.id)):
        yield Item(f"request-{request.id}", texts.STAFF_NEW_REQUEST.format(
            number=request.id, kind=value(_kind(session, request)), name=value(name)),
            f"/permohonan/{request.id}")
    for complaint, name in session.execute(
            _complaints_with_names().where(Complaint.created_at > utc_now - NEW_WITHIN)
            .order_by(Complaint.id)):
        yield _chat_complaint(complaint, name, texts.STAFF_NEW_COMPLAINT, zone, "")
    for row in session.scalars(
            select(Pengaduan).where(WEBSITE_COMPLAINT,
                                    Pengaduan.created_at > local_now - NEW_WITHIN)
            .order_by(Pengaduan.id)):
        yield _website_complaint(row, texts.STAFF_NEW_COMPLAINT, "")


def overdue_items(session: Session, utc_now: datetime, zone: str,
                  sla_hours: float) -> Iterator[Item]:
    """Requests still waiting and complaints unanswered that became overdue (SLA_HOURS after
    they came) in the last LATE_WITHIN, oldest first."""
    local_now, sla, hours = local_time(utc_now, zone), timedelta(hours=sla_hours), \
        whole_hours(sla_hours)
    for request, name in session.execute(
            _requests_with_names()
            .where(LetterRequest.status.in_(WAITING),
                   LetterRequest.created_at.between(local_now - sla - LATE_WITHIN,
                                                    local_now - sla))
            .order_by(LetterRequest.id)):
        yield Item(f"request-{request.id}", texts.STAFF_LATE_REQUEST.format(
            hours=hours, number=request.id, kind=value(_kind(session, request)),
            state=STATUS_NAMES.get(request.status, request.status), name=value(name),
            since=_when(request.created_at)), f"/permohonan/{request.id}")
    for complaint, name in session.execute(
            _complaints_with_names()
            .where(_chat_unanswered(),
                   Complaint.created_at.between(utc_now - sla - LATE_WITHIN, utc_now - sla))
            .order_by(Complaint.id)):
        yield _chat_complaint(complaint, name, texts.STAFF_LATE_COMPLAINT, zone, hours)
    for row in session.scalars(
            select(Pengaduan)
            .where(WEBSITE_COMPLAINT, _website_unanswered(),
                   Pengaduan.created_at.between(local_now - sla - LATE_WITHIN, local_now - sla))
            .order_by(Pengaduan.id)):
        yield _website_complaint(row, texts.STAFF_LATE_COMPLAINT, hours)


def summary(session: Session, utc_now: datetime, settings: Settings) -> str:
    """The daily summary's text."""
    local_now = local_time(utc_now, settings.timezone)
    sla = timedelta(hours=settings.sla_hours)

    def count(model, *conditions) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0

    waiting = LetterRequest.status.in_(WAITING)
    return texts.STAFF_DIGEST.format(
        day=tanggal(local_now.date()), hours=whole_hours(settings.sla_hours),
        new_requests=count(LetterRequest, LetterRequest.created_at > local_now - NEW_WITHIN),
        new_complaints=count(Complaint, Complaint.created_at > utc_now - NEW_WITHIN)
        + count(Pengaduan, WEBSITE_COMPLAINT, Pengaduan.created_at > local_now - NEW_WITHIN),
        waiting_requests=count(LetterRequest, waiting),
        waiting_complaints=count(Complaint, _chat_unanswered())
        + count(Pengaduan, WEBSITE_COMPLAINT, _website_unanswered()),
        late_requests=count(LetterRequest, waiting, LetterRequest.created_at <= local_now - sla),
        late_complaints=count(Complaint, _chat_unanswered(),
                              Complaint.created_at <= utc_now - sla)
        + count(Pengaduan, WEBSITE_COMPLAINT, _website_unanswered(),
                Pengaduan.created_at <= local_now - sla))


def _requests_with_names():
    return (select(LetterRequest, Resident.name)
            .outerjoin(Resident, Resident.id == LetterRequest.resident_id))


def _complaints_with_names():
    return select(Complaint, Resident.name).outerjoin(Resident,
                                                      Resident.id == Complaint.resident_id)


def _chat_unanswered():
    return Complaint.first_answer_at.is_(None) & (Complaint.status != ComplaintState.DONE)


def _website_unanswered():
    return WEBSITE_UNANSWERED & (Pengaduan.status != ComplaintState.DONE)


def _kind(session: Session, request: LetterRequest) -> str:
    """The letter's title: the chat's kind, else OpenSID's format name."""
    kind = kind_of(session, request)
    if kind is not None:
        return kind.title
    return session.scalar(select(LetterFormat.name).where(LetterFormat.id == request.format_id)) \
        or texts.LETTER_UNNAMED


def _chat_complaint(complaint: Complaint, name: str | None, template: str, zone: str,
                    hours: str) -> Item:
    label = texts.STAFF_COMPLAINT_FROM_CHAT.format(
        number=complaint.id, visibility=texts.COMPLAINT_STATUS_VISIBILITY[complaint.public])
    return Item(f"complaint-{complaint.id}", template.format(
        hours=hours, label=label, name=value(name),
        since=_when(local_time(complaint.created_at, zone))),
        f"/aduan/{complaint.id}")


def _website_complaint(row: Pengaduan, template: str, hours: str) -> Item:
    label = texts.STAFF_COMPLAINT_FROM_WEBSITE.format(number=row.id)
    return Item(f"pengaduan-{row.id}", template.format(
        hours=hours, label=label, name=value(row.name), since=_when(row.created_at)),
        f"/aduan/opensid/{row.id}")


def _when(local: datetime) -> str:
    return f"{tanggal(local.date())} {local:%H:%M}"


def _not_yet_sent(session: Session, due: list) -> list:
    keys = [key for key, _item, _chats in due]
    if not keys:
        return []
    sent = set(session.scalars(select(StaffAlert.key).where(StaffAlert.key.in_(keys))))
    return [entry for entry in due if entry[0] not in sent]


def _linked(text: str, label: str, url: str) -> tuple[str, dict | None]:
    """The text with a button that opens `url`; or, where Telegram would refuse the button (a
    host without a dot, such as `http://konsol:8090`, fails the whole message), the text with
    the address under it."""
    if "." not in (urlsplit(url).hostname or ""):
        return f"{text}\n{escape(url)}", None
    return text, {"inline_keyboard": [[{"text": label, "url": url}]]}


def _send(factory: sessionmaker, publisher, key: str, text: str, keyboard: dict | None,
          chats: list[tuple[int, int]], now: datetime) -> int:
    """Store the alert's key and its messages in one transaction, then publish them; 0 if
    another watcher sent it first."""
    source = SOURCE_PREFIX + key
    entries = [OutboxEntry(
        message_id=f"{source}:{staff_id}", source_message_id=source,
        routing_key=topology.OUTBOX_ROUTING_KEY, created_at=now,
        payload=encode(Outgoing(message_id=f"{source}:{staff_id}", chat_id=chat_id, text=text,
                                reply_markup=keyboard, correlation_id=source)).decode())
        for staff_id, chat_id in chats]
    try:
        with factory.begin() as session:
            session.add(StaffAlert(key=key, sent_at=now))
            session.flush()  # a racing watcher fails here, on the primary key
            session.add_all(entries)
    except IntegrityError:
        return 0
    publish_pending(factory, publisher, entries)
    log.info("staff alert %s to %d chat%s", key, len(entries), "" if len(entries) == 1 else "s")
    return 1
