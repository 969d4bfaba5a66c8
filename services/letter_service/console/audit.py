"""The audit log page: every entry, newest first, a page at a time, optionally of one kind of
action; who by full name and username, what in words, the request linked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.formatting import ZONE_LABELS, local_time
from libs.siades.bot_models import AuditEntry, Staff
from services.letter_service.console.auth import NO_ACCOUNT
from services.letter_service.console.database import db
from services.letter_service.console.filters import local_clock
from services.letter_service.console.states import ROLE_NAMES, STATUS_NAMES

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
ACTION_NAMES = {
    "login": "Masuk", "logout": "Keluar", "login_failed": "Gagal masuk",
    "password_changed": "Mengganti kata sandi sendiri",
    "staff_created": "Membuat akun staf", "staff_disabled": "Menonaktifkan akun staf",
    "staff_enabled": "Mengaktifkan akun staf",
    "staff_password_reset": "Mengatur ulang kata sandi staf",
    "periksa": "Memeriksa permohonan", "tandatangani": "Menandatangani surat",
    "diambil": "Menandai surat diambil", "tolak": "Menolak permohonan",
    "registration_guessed": "Peringatan: NIK dicoba berulang kali",
    "jawab_aduan": "Menjawab aduan",
    "staff_link_code": "Meminta kode penghubung Telegram",
    "staff_telegram_linked": "Menghubungkan Telegram petugas",
    "staff_telegram_unlinked": "Memutus Telegram petugas",
}
ACTOR_NAMES = {"bot": "Bot Telegram", NO_ACCOUNT: "Belum masuk"}
DETAIL_LABELS = {
    "status": "Status", "detail": "Rincian", "reason": "Alasan",
    "username": "Nama pengguna diketik", "address": "Alamat IP",
    "cause": "Sebab", "full_name": "Nama lengkap", "role": "Peran", "nik": "NIK",
    "accounts": "Akun Telegram", "attempts": "Percobaan", "minutes": "Berlaku (menit)",
}
# Entries the office should notice: shown marked.
WARNINGS = ("login_failed", "registration_guessed")
CAUSES = {"wrong_password": "nama pengguna atau kata sandi salah",
          "locked": "ditolak tanpa diperiksa: terlalu banyak percobaan gagal"}


@dataclass
class Row:
    """One audit entry as the page shows it."""

    at: datetime
    when: str  # to the second: entries of one minute stay apart
    warning: bool
    who: str
    username: str  # empty where the actor is no staff account
    action: str
    request_id: int | None = None
    complaint_id: int | None = None
    details: list[tuple[str, str]] = field(default_factory=list)


@bp.get("/audit")
def audit():
    """A page of the audit log, newest first, optionally of one action."""
    session = db()
    kinds = sorted(session.scalars(select(AuditEntry.action).distinct()),
                   key=lambda kind: action_name(kind))
    kind = request.args.get("tindakan", "")
    query = select(AuditEntry)
    if kind:
        query = query.where(AuditEntry.action == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("halaman", 1, type=int), 1), pages)
    entries = list(session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    zone = current_app.extensions["settings"].timezone
    rows = [row(entry, zone, *details(entry.detail)) for entry in entries]
    for row_ in rows:
        row_.complaint_id = pop_detail(row_, "complaint_id")
    names_of(session, rows, entries)
    first = (page - 1) * PAGE_SIZE + 1 if entries else 0
    return render_template("audit.html", rows=rows, total=total, page=page, pages=pages,
                           first=first, last=first + len(entries) - 1 if entries else 0,
                           kind=kind, kinds=[(k, action_name(k)) for k in kinds])


def action_name(action: str) -> str:
    """An action in words: `tolak` as `Menolak permohonan`; an unknown one made readable."""
    return ACTION_NAMES.get(action) or action.replace("_", " ").capitalize()


def details(detail: str) -> tuple[int | None, list[tuple[str, object]]]:
    """An entry's JSON detail as its request (if any) and its other values by key, in order,
    the from and to statuses as one `status`."""
    try:
        values = json.loads(detail or "{}")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        return None, [("detail", detail)] if detail else []
    request_id = values.pop("request_id", None)
    parts: list[tuple[str, object]] = []
    if "from_status" in values or "to_status" in values:
        parts.append(("status", f"{status_name(values.pop('from_status', None))} → "
                                f"{status_name(values.pop('to_status', None))}"))
    parts.extend(values.items())
    return request_id if isinstance(request_id, int) else None, parts


def pop_detail(row_: Row, key: str) -> int | None:
    """Take an id (a complaint's) out of a row's details, to link it instead."""
    found = next((value for name, value in row_.details if name == key), None)
    row_.details = [(name, value) for name, value in row_.details if name != key]
    return found if isinstance(found, int) else None


def status_name(status: object) -> str:
    """A request status by its name, as OpenSID's admin pages say it."""
    return STATUS_NAMES.get(status, "-" if status is None else f"Status {status}")


def row(entry: AuditEntry, zone: str, request_id: int | None,
        parts: list[tuple[str, object]]) -> Row:
    """The page's row for an entry, before the staff names are filled in."""
    local = local_time(entry.at, zone)
    when = f"{local_clock(local)}:{local:%S} {ZONE_LABELS.get(zone, zone)}"
    return Row(at=entry.at, when=when, warning=entry.action in WARNINGS,
               who=ACTOR_NAMES.get(entry.actor, entry.actor), username="",
               action=action_name(entry.action), request_id=request_id, details=parts)


def names_of(session: Session, rows: list[Row], entries: list[AuditEntry]) -> None:
    """Name the staff in the rows, with one query for the page: the actor by full name (the
    username beside it), and the account an entry is about (`staff_id`); label the values."""
    usernames = {entry.actor for entry in entries}
    ids = {value for row_ in rows for key, value in row_.details if key == "staff_id"}
    staff = list(session.scalars(select(Staff).where(
        Staff.username.in_(usernames) | Staff.id.in_(ids)))) if entries else []
    by_username = {member.username: member for member in staff}
    by_id = {member.id: member for member in staff}
    for row_, entry in zip(rows, entries, strict=True):
        member = by_username.get(entry.actor)
        if member is not None:
            row_.who, row_.username = member.full_name, member.username
        row_.details = [labelled(key, value, by_id) for key, value in row_.details]


def labelled(key: str, value: object, by_id: dict[int, Staff]) -> tuple[str, str]:
    """One detail as (label, text): `staff_id` by the account's name, codes in words."""
    if key == "staff_id":
        member = by_id.get(value)
        return "Akun", f"{member.full_name} ({member.username})" if member else f"#{value}"
    if key == "cause":
        value = CAUSES.get(value, value)
    elif key == "role":
        value = ROLE_NAMES.get(value, value)
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), str(value)
