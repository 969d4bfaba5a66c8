"""Residents for the office: search by name or NIK, a resident's page (biodata, Telegram link,
requests, registration attempts), and the counter's three actions: unlink, relink, unlock.

Each action is one transaction: the change, an audit entry, and the messages to the chats it
concerns as `bot_outbox` rows (source `console-<audit id>`), which the status watcher
publishes. The NIK is shown as everywhere in the console (filters.shown_nik).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from libs import texts, topology
from libs.contracts import Outgoing, encode
from libs.formatting import local_time
from libs.identity import digest
from libs.siades.bot_models import (
    AuditEntry,
    OutboxEntry,
    RegistrationAttempt,
    Staff,
)
from libs.siades.coltypes import utcnow
from libs.siades.letters import LetterFormat, LetterRequest
from libs.siades.models import ALIVE, Area, Family, Resident
from libs.siades.queries import registration, residents
from services.letter_service.console.complaint_listing import complaints_of
from services.letter_service.console.database import db
from services.letter_service.console.listing import kind_title, resident_address

bp = Blueprint("residents", __name__)

# bot_registration_attempts.reason, as the registration writes it
ATTEMPT_REASONS = {"no_match": "NIK dan No KK tidak cocok",
                   "resident_linked": "sudah terhubung akun lain", "linked": "terhubung"}
SEARCH_LIMIT = 50
MIN_NAME = 3  # letters of a name search
NIK_LENGTH = 16
ATTEMPTS_SHOWN = 30


class Refused(ValueError):
    """The action cannot be done; the message is for the staff member."""


@dataclass(frozen=True)
class Found:
    """One resident in the search results."""

    id: int
    name: str
    nik: str | None
    no_kk: str | None
    address: str | None
    alive: bool
    linked: bool


def search(session: Session, query: str) -> list[Found]:
    """Residents whose name holds `query`, or whose NIK is `query` (all 16 digits: a part of a
    NIK finds nobody, so the page is no way to browse NIKs)."""
    query = " ".join(query.split())
    if query.isdigit():
        if len(query) != NIK_LENGTH:
            return []
        condition = Resident.nik == query
    elif len(query) >= MIN_NAME:
        condition = func.lower(Resident.name).contains(query.lower(), autoescape=True)
    else:
        return []
    rows = session.execute(
        select(Resident, Family.no_kk, Area)
        .outerjoin(Family, Family.id == Resident.family_id)
        .outerjoin(Area, Area.id == Resident.area_id)
        .where(condition).order_by(Resident.name, Resident.id).limit(SEARCH_LIMIT))
    return [Found(resident.id, resident.name, resident.nik, no_kk,
                  resident_address(resident, area), resident.base_status == ALIVE,
                  linked_chat(resident) is not None)
            for resident, no_kk, area in rows]


def linked_chat(resident: Resident) -> int | None:
    """The Telegram chat linked to the resident, if any."""
    return int(resident.telegram) if (resident.telegram or "").isdigit() else None


def attempts_of(session: Session, resident: Resident) -> list[RegistrationAttempt]:
    """The newest registration attempts on the resident's NIK or from their chat."""
    chat = linked_chat(resident)
    conditions = [RegistrationAttempt.nik_digest == digest(resident.nik or "")]
    if chat is not None:
        conditions.append(RegistrationAttempt.chat_id == chat)
    return list(session.scalars(
        select(RegistrationAttempt).where(or_(*conditions))
        .order_by(RegistrationAttempt.attempted_at.desc(), RegistrationAttempt.id.desc())
        .limit(ATTEMPTS_SHOWN)))


def requests_of(session: Session, resident_id: int) -> list[tuple[LetterRequest, str]]:
    """The resident's letter requests, newest first, with their kind's title."""
    rows = session.execute(
        select(LetterRequest, LetterFormat.slug, LetterFormat.name)
        .outerjoin(LetterFormat, LetterFormat.id == LetterRequest.format_id)
        .where(LetterRequest.resident_id == resident_id)
        .order_by(LetterRequest.created_at.desc(), LetterRequest.id.desc()))
    return [(row, kind_title(slug, name)) for row, slug, name in rows]


# --- the actions -------------------------------------------------------------------------------


def unlink(session: Session, resident: Resident, staff: Staff, now: datetime) -> int:
    """Clear the resident's Telegram link (what link_chat sets) and tell the old chat."""
    chat = linked_chat(resident)
    if chat is None:
        raise Refused(f"{resident.name} tidak terhubung dengan akun Telegram.")
    resident.telegram = resident.telegram_verified_at = None
    audit = record(session, staff, "putuskan_telegram", now, resident_id=resident.id, chat_id=chat)
    tell(session, audit, now, (chat, texts.CONSOLE_UNLINKED))
    return chat


def relink(session: Session, resident: Resident, chat: int, staff: Staff, settings,
           now: datetime) -> None:
    """Move the resident's link to a chat that tried to register them; tell both chats."""
    if resident.base_status != ALIVE:
        raise Refused(f"{resident.name} tidak berstatus hidup di data penduduk.")
    old = linked_chat(resident)
    if chat not in {tried.chat_id for tried in other_chats(session, resident)}:
        raise Refused("Akun Telegram itu tidak pernah mencoba mendaftar dengan NIK ini.")
    owner = registration.chat_owner(session, chat)
    if owner is not None:
        raise Refused(f"Akun Telegram {chat} sudah terhubung dengan penduduk lain; putuskan "
                      "dulu hubungan itu dari halaman penduduknya.")
    resident.telegram = str(chat)
    # OpenSID's own columns hold the village's local time, as registration writes them.
    resident.telegram_verified_at = local_time(now, settings.timezone)
    audit = record(session, staff, "pindahkan_telegram", now, resident_id=resident.id,
                   from_chat_id=old, to_chat_id=chat)
    messages = [(chat, texts.CONSOLE_LINKED)]
    if old is not None:
        messages.insert(0, (old, texts.CONSOLE_MOVED_AWAY))
    tell(session, audit, now, *messages)


def unlock(session: Session, resident: Resident, chat: int, staff: Staff, settings,
           now: datetime) -> int:
    """Delete the window's failed attempts on the resident's NIK and from the chat, so both
    may register again at once; tell the chat. Returns how many attempts were deleted."""
    if chat not in {tried.chat_id for tried in failing_chats(session, resident, settings, now)}:
        raise Refused("Akun Telegram itu tidak sedang gagal mendaftar dengan NIK ini.")
    since = now - timedelta(hours=settings.registration_window_hours)
    deleted = session.execute(
        delete(RegistrationAttempt).where(
            RegistrationAttempt.success.is_(False), RegistrationAttempt.attempted_at >= since,
            or_(RegistrationAttempt.nik_digest == digest(resident.nik or ""),
                RegistrationAttempt.chat_id == chat))
        .execution_options(synchronize_session=False)).rowcount
    audit = record(session, staff, "buka_kunci_pendaftaran", now, resident_id=resident.id,
                   chat_id=chat, attempts_deleted=deleted)
    tell(session, audit, now, (chat, texts.CONSOLE_UNLOCKED))
    return deleted


@dataclass(frozen=True)
class TriedChat:
    """A chat that tried to register: the resident at the counter tells theirs by the time of
    their last try (they try once more in front of the clerk)."""

    chat_id: int
    last_try: datetime  # naive UTC
    failures: int


def other_chats(session: Session, resident: Resident) -> list[TriedChat]:
    """Chats other than the linked one that tried to register with the resident's NIK, the
    latest first."""
    found = _tried(session, RegistrationAttempt.nik_digest == digest(resident.nik or ""))
    return [chat for chat in found if chat.chat_id != linked_chat(resident)]


def failing_chats(session: Session, resident: Resident, settings,
                  now: datetime) -> list[TriedChat]:
    """Chats with failed attempts in the lockout window on the resident's NIK, or the
    resident's own chat if it failed: the ones an unlock can help, the latest first."""
    since = now - timedelta(hours=settings.registration_window_hours)
    chat = linked_chat(resident)
    conditions = [RegistrationAttempt.nik_digest == digest(resident.nik or "")]
    if chat is not None:
        conditions.append(RegistrationAttempt.chat_id == chat)
    return _tried(session, RegistrationAttempt.success.is_(False),
                  RegistrationAttempt.attempted_at >= since, or_(*conditions))


def _tried(session: Session, *conditions) -> list[TriedChat]:
    rows = session.execute(
        select(RegistrationAttempt.chat_id, func.max(RegistrationAttempt.attempted_at),
               func.count())
        .where(*conditions).group_by(RegistrationAttempt.chat_id)
        .order_by(func.max(RegistrationAttempt.attempted_at).desc()))
    return [TriedChat(chat_id, last, count) for chat_id, last, count in rows]


def record(session: Session, staff: Staff, action: str, now: datetime, **detail) -> AuditEntry:
    """The audit entry of an action, flushed so its id names the messages."""
    entry = AuditEntry(at=now, actor=staff.username, action=action,
                       detail=json.dumps(detail, ensure_ascii=False))
    session.add(entry)
    session.flush()
    return entry


def tell(session: Session, audit: AuditEntry, now: datetime, *messages: tuple[int, str]) -> None:
    """Store the messages to the chats in the outbox, for the status watcher to publish."""
    source = f"console-{audit.id}"
    for number, (chat, text) in enumerate(messages):
        message = Outgoing(message_id=f"{source}-{number}", chat_id=chat, text=text,
                           reply_markup=texts.MAIN_MENU if text is texts.CONSOLE_LINKED else None,
                           correlation_id=source)
        session.add(OutboxEntry(message_id=message.message_id, source_message_id=source,
                                routing_key=topology.OUTBOX_ROUTING_KEY,
                                payload=encode(message).decode(), created_at=now))


# --- the pages ---------------------------------------------------------------------------------


def settings():
    """The console's Settings."""
    return current_app.extensions["settings"]


@bp.get("/penduduk")
def search_page():
    """Search residents by name or NIK."""
    query = request.args.get("q", "").strip()
    found = search(db(), query) if query else []
    return render_template("residents.html", query=query, found=found, limit=SEARCH_LIMIT,
                           min_name=MIN_NAME)


@bp.get("/penduduk/<int:resident_id>")
def resident(resident_id: int):
    """A resident: biodata, Telegram link, requests, registration attempts, the actions."""
    session = db()
    person = session.get(Resident, resident_id)
    if person is None:
        abort(404)
    now = utcnow()
    since = now - timedelta(hours=settings().registration_window_hours)
    return render_template(
        "resident.html", person=person, bio=residents.biodata(session, person),
        no_kk=session.scalar(select(Family.no_kk).where(Family.id == person.family_id)),
        address=resident_address(person, session.get(Area, person.area_id)
                                 if person.area_id else None),
        chat=linked_chat(person), requests=requests_of(session, resident_id),
        complaints=complaints_of(session, resident_id),
        attempts=attempts_of(session, person), since=since,
        reasons=ATTEMPT_REASONS,
        other_chats=other_chats(session, person),
        failing_chats=failing_chats(session, person, settings(), now))


DONE = {"putuskan": "Hubungan Telegram {name} diputus; akun lamanya diberi tahu.",
        "pindahkan": "Telegram {name} dipindahkan ke akun {chat}; kedua akun diberi tahu.",
        "buka-kunci": "Kunci pendaftaran akun {chat} dibuka ({deleted} percobaan gagal dihapus); "
                      "akun itu diberi tahu."}


@bp.post("/penduduk/<int:resident_id>/<action>")
def act(resident_id: int, action: str):
    """Do one of the counter's actions in one transaction; a refusal changes nothing."""
    if action not in DONE:
        abort(404)
    session = db()
    person = session.scalars(select(Resident).where(Resident.id == resident_id)
                             .with_for_update()).first()
    if person is None:
        abort(404)
    chat = request.form.get("chat_id", type=int)
    now = utcnow()
    try:
        if action == "putuskan":
            chat, deleted = unlink(session, person, g.staff, now), 0
        elif chat is None:
            raise Refused("Pilih akun Telegram-nya.")
        elif action == "pindahkan":
            if not request.form.get("ktp_checked"):
                raise Refused("Pindahkan hanya setelah KTP pemilik data diperiksa: centang "
                              "kotak pemeriksaan KTP.")
            relink(session, person, chat, g.staff, settings(), now)
            deleted = 0
        else:
            deleted = unlock(session, person, chat, g.staff, settings(), now)
        session.commit()
    except Refused as refusal:
        session.rollback()
        flash(str(refusal), "error")
    except IntegrityError:  # the UNIQUE on tweb_penduduk.telegram: linked meanwhile
        session.rollback()
        flash(f"Akun Telegram {chat} baru saja terhubung dengan penduduk lain; tidak ada yang "
              "diubah.", "error")
    else:
        flash(DONE[action].format(name=person.name, chat=chat, deleted=deleted), "info")
    return redirect(url_for("residents.resident", resident_id=resident_id))
