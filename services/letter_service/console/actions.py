"""What staff do to a request: check, sign and issue, hand over, return to the resident to
complete (Belum Lengkap), reject, withdraw an issued letter; and correct an answer.

Each action runs in the caller's transaction: the row is re-read under a lock, its status and
the staff member's role checked, the change made, `updated_at` set in the village's local time
(as OpenSID stores it) and an audit entry written. The row may have changed since the page was
shown (another staff member, OpenSID's own admin pages): then the action is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import Settings
from libs.formatting import local_time
from libs.siades.bot_models import STAFF_HEAD, STAFF_ROLES, AuditEntry, LetterDocument, Staff
from libs.siades.letter_forms import LetterForm, kinds_by_format, letter_form
from libs.siades.letters import LetterRequest
from libs.vocabulary.states import RequestState
from services.letter_service import fields, issuing
from services.letter_service.console.states import BEFORE_SIGNING, STATUS_NAMES

MAX_REASON_LENGTH = 500


class ActionRefused(ValueError):
    """The action is not allowed now; the message is for the staff member, in Indonesian."""


@dataclass(frozen=True)
class Action:
    """One thing staff can do to a request: from which statuses, to which, by which roles."""

    name: str  # in the URL and the audit log
    label: str  # the button
    done: str  # the flash message afterwards
    from_statuses: tuple[int, ...]
    to_status: int
    roles: tuple[str, ...] = STAFF_ROLES
    reason: str = ""  # the label of the required message, for an action that needs one

    @property
    def needs_reason(self) -> bool:
        """Whether the action asks staff for a message (a reason, what is missing)."""
        return bool(self.reason)


CHECK = Action("periksa", "Sudah diperiksa, teruskan ke Kepala Desa",
               "Permohonan #{id} sudah diperiksa dan menunggu tandatangan.",
               (RequestState.CHECKING,), RequestState.AWAITING_SIGNATURE)
SIGN = Action("tandatangani", "Tandatangani dan terbitkan surat",
              "Surat untuk permohonan #{id} sudah ditandatangani dan siap diambil. "
              "Nomor surat: {number}.",
              (RequestState.AWAITING_SIGNATURE,), RequestState.READY, roles=(STAFF_HEAD,))
COLLECT = Action("diambil", "Tandai sudah diambil",
                 "Permohonan #{id} ditandai sudah diambil.",
                 (RequestState.READY,), RequestState.COLLECTED)
RETURN = Action("kembalikan", "Kembalikan (Belum Lengkap)",
                "Permohonan #{id} dikembalikan ke pemohon untuk dilengkapi.",
                (RequestState.CHECKING, RequestState.AWAITING_SIGNATURE), RequestState.INCOMPLETE,
                reason="Yang perlu dilengkapi pemohon (dibaca pemohon)")
REJECT = Action("tolak", "Tolak permohonan", "Permohonan #{id} ditolak.",
                (RequestState.INCOMPLETE, RequestState.CHECKING, RequestState.AWAITING_SIGNATURE),
                RequestState.CANCELLED, reason="Alasan penolakan (dibaca pemohon)")
WITHDRAW = Action("cabut", "Cabut surat",
                  "Surat permohonan #{id} dicabut; halaman periksa surat menyebutnya DICABUT.",
                  (RequestState.READY, RequestState.COLLECTED), RequestState.CANCELLED,
                  roles=(STAFF_HEAD,), reason="Alasan pencabutan surat (dibaca pemohon)")
ACTIONS = {action.name: action for action in (CHECK, SIGN, COLLECT, RETURN, REJECT, WITHDRAW)}
CORRECT = "ubah_isian"  # correcting an answer, in the audit log and the metrics
REFUSED_ROLE = {SIGN.name: "Hanya Kepala Desa yang dapat menandatangani dan menerbitkan surat.",
                WITHDRAW.name: "Hanya Kepala Desa yang dapat mencabut surat."}


def allowed(action: Action, status: int, staff: Staff) -> bool:
    """Whether the staff member may do this to a request in this status."""
    return status in action.from_statuses and staff.role in action.roles


def actions_for(status: int, staff: Staff) -> list[Action]:
    """The actions to offer on a request's page."""
    return [action for action in ACTIONS.values() if allowed(action, status, staff)]


def perform(session: Session, request_id: int, action: Action, staff: Staff,
            settings: Settings, now: datetime, reason: str = "") -> LetterRequest:
    """Do the action on the request, in the session's transaction (the caller commits)."""
    reason = reason.strip()
    if action.needs_reason and not reason:
        raise ActionRefused(f"{action.reason.split(' (')[0]} wajib diisi.")
    if len(reason) > MAX_REASON_LENGTH:
        raise ActionRefused(f"Alasan terlalu panjang (paling banyak {MAX_REASON_LENGTH} huruf).")
    if staff.role not in action.roles:
        raise ActionRefused(REFUSED_ROLE.get(action.name, "Anda tidak berhak melakukan ini."))
    request = locked_request(session, request_id)
    if request is None:
        raise ActionRefused(f"Permohonan #{request_id} tidak ditemukan.")
    from_status = request.status
    if from_status not in action.from_statuses:
        raise ActionRefused(
            f"Permohonan #{request_id} sekarang berstatus "
            f"{STATUS_NAMES.get(from_status, from_status)}, jadi tindakan ini tidak dapat "
            "dilakukan. Mungkin sudah diproses petugas lain; periksa lagi datanya.")
    if action is SIGN:
        issuing.issue(session, request, staff, settings, now)  # sets status 3 itself
    else:
        request.status = action.to_status
    if action is WITHDRAW:
        _revoke(session, request, reason, now)
    if action.needs_reason:
        request.note = reason
    request.updated_at = local_time(now, settings.timezone)
    session.add(audit_entry(staff, action, request, from_status, reason, now))
    session.flush()
    return request


def _revoke(session: Session, request: LetterRequest, reason: str, now: datetime) -> None:
    """Mark the request's issued letter withdrawn, for the verify page to say DICABUT."""
    document = session.get(LetterDocument, request.id, with_for_update=True)
    if document is None:
        raise ActionRefused(
            f"Surat permohonan #{request.id} tidak diterbitkan dari konsol ini, jadi tidak dapat "
            "dicabut dari sini. Batalkan dari halaman admin OpenSID.")
    document.revoked_at, document.revoked_reason = now, reason


def correct_answers(session: Session, request_id: int, given: dict[str, str], staff: Staff,
                    settings: Settings, now: datetime) -> list[tuple[str, str, str]]:
    """Correct the resident's answers before signing, checked by the chat's own field rules and
    written into isian_form as the chat writes it; one audit entry per changed answer.
    Returns (label, old, new) of each change; FieldError names a wrong answer."""
    request = locked_request(session, request_id)
    if request is None:
        raise ActionRefused(f"Permohonan #{request_id} tidak ditemukan.")
    if request.status not in BEFORE_SIGNING:
        raise ActionRefused(
            f"Permohonan #{request_id} sekarang berstatus "
            f"{STATUS_NAMES.get(request.status, request.status)}: isiannya hanya dapat "
            "diperbaiki sebelum surat ditandatangani.")
    form = correctable_form(session, request)
    if form is None:
        raise ActionRefused(f"Jenis surat permohonan #{request_id} tidak dikenal konsol ini, "
                            "jadi isiannya tidak dapat diperbaiki dari sini.")
    stored = stored_form(request)
    answers = {field.name: str(stored.get(field.name, "")) for field in form.fields}
    changes = []
    for field in form.fields:
        if field.name not in given:
            continue
        new = fields.check_answer(field, given[field.name])
        if new != answers[field.name]:
            changes.append((field, answers[field.name], new))
            answers[field.name] = new
    if not changes:
        return []
    # As the chat writes it (requests.py): the format's fields refilled from the answers, the
    # rest of what is stored (OpenSID's own keys, `nomor`) kept.
    request.form = json.dumps({**stored, **form.isian_form(answers, request.resident_id)})
    request.updated_at = local_time(now, settings.timezone)
    for field, old, new in changes:
        session.add(AuditEntry(at=now, actor=staff.username, action=CORRECT,
                               detail=json.dumps({"request_id": request.id, "field": field.name,
                                                  "label": field.label, "old": old, "new": new},
                                                 ensure_ascii=False)))
    session.flush()
    return [(field.label, old, new) for field, old, new in changes]


def correctable_form(session: Session, request: LetterRequest) -> LetterForm | None:
    """The request's kind as this database has it, whose fields staff may correct."""
    kind = kinds_by_format(session).get(request.format_id)
    return letter_form(session, kind) if kind is not None else None


def stored_form(request: LetterRequest) -> dict:
    """isian_form as stored; {} where it is not a JSON object."""
    try:
        form = json.loads(request.form or "{}")
    except ValueError:
        return {}
    return form if isinstance(form, dict) else {}


def locked_request(session: Session, request_id: int) -> LetterRequest | None:
    """The request re-read from the database with a row lock (SELECT ... FOR UPDATE)."""
    return session.scalars(
        select(LetterRequest).where(LetterRequest.id == request_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def audit_entry(staff: Staff, action: Action, request: LetterRequest, from_status: int,
                reason: str, now: datetime) -> AuditEntry:
    """The audit log's line for an action: who, what, on which request, from and to."""
    detail = {"request_id": request.id, "from_status": from_status, "to_status": request.status}
    if reason:
        detail["reason"] = reason
    return AuditEntry(at=now, actor=staff.username, action=action.name,
                      detail=json.dumps(detail, ensure_ascii=False))
