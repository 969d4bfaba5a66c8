"""Letter requests in the database: submit (one in process per resident), list, cancel.

A request is a `permohonan_surat` row as OpenSID's own Layanan Mandiri writes it: status 1, the
form's fields as JSON in `isian_form` (libs/siades/letter_forms.py), `no_hp_aktif` the
resident's phone from the registry, `syarat` each requirement "brought on paper" (-1), times in
the village's local time; on OpenSID >= 23.12 the village's `config_id`, and the Layanan Mandiri
account OpenSID's admin needs to open the request (libs/siades/mandiri.py). Whatever changes a
status here also records it as seen by the status watcher, in the same transaction, so the
resident is not told twice.

One request in process (status 0, 1 or 2) per resident, also when several workers handle
simultaneous requests: the resident's registry row is locked first (SELECT ... FOR UPDATE on
MariaDB and PostgreSQL; SQLite serializes writers with BEGIN IMMEDIATE), and the pending request
is looked up with a locking read, which sees rows committed after the transaction began.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.siades.bot_models import LetterStatusSeen, LetterTransition
from libs.siades.letter_forms import LetterForm, kinds_by_format
from libs.siades.letter_kinds import LetterKind
from libs.siades.letters import (
    REQUEST_AWAITING_SIGNATURE,
    REQUEST_CANCELLED,
    REQUEST_CHECKING,
    REQUEST_INCOMPLETE,
    REQUEST_READY,
    LetterRequest,
)
from libs.siades.mandiri import ensure_account
from libs.siades.models import Resident

IN_PROCESS = (REQUEST_INCOMPLETE, REQUEST_CHECKING, REQUEST_AWAITING_SIGNATURE)
HISTORY_LENGTH = 10


@dataclass(frozen=True)
class Pending:
    """A refusal: the resident already has this request in process."""

    request: LetterRequest


def kind_of(session: Session, request: LetterRequest) -> LetterKind | None:
    """The chat letter kind of a request, None for a format residents do not request here."""
    return kinds_by_format(session).get(request.format_id)


def submit(session: Session, resident: Resident, form: LetterForm, fields: dict[str, str],
           local_now: datetime, utc_now: datetime) -> LetterRequest | Pending:
    """File a request with status 1, unless one is in process already."""
    _lock(session, resident)
    pending = in_process(session, resident)
    if pending is not None:
        return Pending(pending)
    request = LetterRequest(
        resident_id=resident.id, format_id=form.format_id, status=REQUEST_CHECKING,
        # ASCII JSON (\u escapes): OpenSID's tables are often utf8mb3, which refuses emoji.
        form=json.dumps(form.isian_form(fields, resident.id)), phone=phone_of(resident),
        requirements=form.requirements(), created_at=local_now, updated_at=local_now,
    )
    session.add(request)
    session.flush()
    ensure_account(session, resident.id, local_now)
    _record_seen(session, request, None, utc_now)
    return request


def phone_of(resident: Resident) -> str:
    """`no_hp_aktif`: the registry's phone, digits only as OpenSID keeps it; "-" without one
    (the column is NOT NULL)."""
    digits = "".join(ch for ch in resident.phone or "" if ch.isdigit())
    return digits or "-"


def in_process(session: Session, resident: Resident) -> LetterRequest | None:
    """The resident's request in process, newest first, read with a lock."""
    return session.scalar(
        select(LetterRequest)
        .where(LetterRequest.resident_id == resident.id, LetterRequest.status.in_(IN_PROCESS))
        .order_by(LetterRequest.id.desc()).limit(1).with_for_update()
    )


def history(session: Session, resident: Resident) -> list[LetterRequest]:
    """The resident's newest requests."""
    return list(session.scalars(
        select(LetterRequest).where(LetterRequest.resident_id == resident.id)
        .order_by(LetterRequest.id.desc()).limit(HISTORY_LENGTH)
    ))


def cancel(session: Session, resident: Resident, note: str, local_now: datetime,
           utc_now: datetime) -> LetterRequest | None:
    """Cancel the request in process (status 5); None when there is none."""
    _lock(session, resident)
    request = in_process(session, resident)
    if request is None:
        return None
    previous = request.status
    request.status = REQUEST_CANCELLED
    request.note = note
    request.updated_at = local_now
    _record_seen(session, request, previous, utc_now)
    return request


def latest_ready(session: Session, resident: Resident) -> LetterRequest | None:
    """The newest signed letter not yet collected, to explain why it cannot be cancelled."""
    return session.scalar(
        select(LetterRequest)
        .where(LetterRequest.resident_id == resident.id, LetterRequest.status == REQUEST_READY)
        .order_by(LetterRequest.id.desc()).limit(1)
    )


def _lock(session: Session, resident: Resident) -> None:
    """Serialize this resident's letter changes across workers."""
    session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())


def _record_seen(session: Session, request: LetterRequest, previous: int | None,
                 utc_now: datetime) -> None:
    """Tell the status watcher this change is already known to the resident."""
    session.merge(LetterStatusSeen(request_id=request.id, status=request.status,
                                   seen_at=utc_now))
    session.add(LetterTransition(request_id=request.id, from_status=previous,
                                 to_status=request.status, seen_at=utc_now))
