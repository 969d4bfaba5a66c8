"""Letter requests in the database: submit (one in process per resident), list, cancel,
complete a request the office returned (Belum Lengkap), and what the office said about one.

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

Status 5 (Dibatalkan) is three things to the resident (`ending`): their own cancellation (the
note is texts.LETTER_CANCEL_NOTE), an issued letter withdrawn (the request has a
`bot_letter_documents` row), else a rejection by the office.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import column, inspect, select, table
from sqlalchemy.orm import Session

from libs import texts
from libs.siades.bot_models import LetterDocument, LetterStatusSeen, LetterTransition
from libs.siades.letter_forms import LetterForm
from libs.siades.letters import LetterRequest
from libs.siades.mandiri import ensure_account
from libs.siades.models import Resident
from libs.vocabulary.states import IN_PROCESS, RequestState

HISTORY_LENGTH = 10
CANCELLED_BY_RESIDENT, WITHDRAWN, REJECTED = "cancelled", "withdrawn", "rejected"
# OpenSID's own admin writes its message to the resident ("Perlu Dilengkapi", "Dibatalkan")
# into `komentar` (Permohonan_surat_admin::kirim_pesan: tipe 2, `permohonan` the request id),
# not into permohonan_surat.keterangan; both generations have the table, ours may not.
_COMMENTS = table("komentar", column("id"), column("komentar"), column("tipe"),
                  column("permohonan"))
OFFICE_COMMENT = 2


@dataclass(frozen=True)
class Pending:
    """A refusal: the resident already has this request in process."""

    request: LetterRequest


def submit(session: Session, resident: Resident, form: LetterForm, fields: dict[str, str],
           local_now: datetime, utc_now: datetime) -> LetterRequest | Pending:
    """File a request with status 1, unless one is in process already."""
    _lock(session, resident)
    pending = in_process(session, resident)
    if pending is not None:
        return Pending(pending)
    request = LetterRequest(
        resident_id=resident.id, format_id=form.format_id, status=RequestState.CHECKING,
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


def own(session: Session, resident: Resident, request_id: int) -> LetterRequest | None:
    """The resident's request `request_id`, None when it is not theirs (or does not exist)."""
    request = session.get(LetterRequest, request_id)
    return request if request is not None and request.resident_id == resident.id else None


def cancel(session: Session, resident: Resident, request_id: int, local_now: datetime,
           utc_now: datetime) -> LetterRequest | None:
    """Cancel the resident's request `request_id` (status 5, the resident's note), if it is
    still in process; None otherwise."""
    _lock(session, resident)
    request = _own_locked(session, resident, request_id)
    if request is None or request.status not in IN_PROCESS:
        return None
    previous = request.status
    request.status = RequestState.CANCELLED
    request.note = texts.LETTER_CANCEL_NOTE
    request.updated_at = local_now
    _record_seen(session, request, previous, utc_now)
    return request


def resubmit(session: Session, resident: Resident, request_id: int, form: LetterForm,
             fields: dict[str, str], local_now: datetime,
             utc_now: datetime) -> LetterRequest | None:
    """Send a returned request (Belum Lengkap) back with the completed answers: the same row,
    `isian_form` rewritten, status 1, as OpenSID's Layanan Mandiri does; None when the request
    is no longer waiting to be completed."""
    _lock(session, resident)
    request = _own_locked(session, resident, request_id)
    if request is None or request.status != RequestState.INCOMPLETE:
        return None
    request.form = json.dumps(form.isian_form(fields, resident.id))
    request.status = RequestState.CHECKING
    request.updated_at = local_now
    _record_seen(session, request, RequestState.INCOMPLETE, utc_now)
    return request


def stored_answers(form: LetterForm, request: LetterRequest) -> dict[str, str]:
    """The answers a request holds for the form's fields (a field it lacks is left out)."""
    try:
        stored = json.loads(request.form or "{}")
    except ValueError:
        return {}
    if not isinstance(stored, dict):
        return {}
    return {f.name: str(stored[f.name]) for f in form.fields
            if isinstance(stored.get(f.name), str | int) and str(stored[f.name]).strip()}


def office_message(session: Session, request: LetterRequest) -> str | None:
    """What the office told the resident about the request: `keterangan` (our console), else
    the newest message OpenSID's admin wrote for it in `komentar`."""
    if request.note and request.note != texts.LETTER_CANCEL_NOTE:
        return request.note
    if not inspect(session.connection()).has_table("komentar"):
        return None
    return session.scalar(
        select(_COMMENTS.c.komentar)
        .where(_COMMENTS.c.permohonan == str(request.id), _COMMENTS.c.tipe == OFFICE_COMMENT)
        .order_by(_COMMENTS.c.id.desc()).limit(1))


def ending(session: Session, request: LetterRequest) -> str | None:
    """For a cancelled request (5): CANCELLED_BY_RESIDENT, WITHDRAWN or REJECTED."""
    if request.status != RequestState.CANCELLED:
        return None
    if request.note == texts.LETTER_CANCEL_NOTE:
        return CANCELLED_BY_RESIDENT
    issued = session.scalar(select(LetterDocument.request_id)  # not the PDF itself
                            .where(LetterDocument.request_id == request.id))
    return WITHDRAWN if issued is not None else REJECTED


def reason(session: Session, request: LetterRequest) -> str | None:
    """Why a request was rejected or its letter withdrawn (what the withdrawal recorded, else
    what the office said)."""
    recorded = session.scalar(select(LetterDocument.revoked_reason)
                              .where(LetterDocument.request_id == request.id)) \
        if ending(session, request) == WITHDRAWN else None
    return recorded or office_message(session, request)


def state_name(session: Session, request: LetterRequest) -> str:
    """The state as the resident reads it: OpenSID's name, "Ditolak" or "Dicabut" for 5."""
    end = ending(session, request)
    return texts.LETTER_END_STATES[end] if end else texts.LETTER_STATES.get(request.status, "-")


def latest_ready(session: Session, resident: Resident) -> LetterRequest | None:
    """The newest signed letter not yet collected, to explain why it cannot be cancelled."""
    return session.scalar(
        select(LetterRequest)
        .where(LetterRequest.resident_id == resident.id, LetterRequest.status == RequestState.READY)
        .order_by(LetterRequest.id.desc()).limit(1)
    )


def _own_locked(session: Session, resident: Resident, request_id: int) -> LetterRequest | None:
    return session.scalar(
        select(LetterRequest)
        .where(LetterRequest.id == request_id, LetterRequest.resident_id == resident.id)
        .with_for_update().execution_options(populate_existing=True))


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
