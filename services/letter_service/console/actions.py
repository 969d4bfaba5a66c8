"""What staff do to a request: check, sign and issue, hand over, reject.

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
from libs.siades.bot_models import STAFF_HEAD, STAFF_ROLES, AuditEntry, Staff
from libs.siades.letters import (
    REQUEST_AWAITING_SIGNATURE,
    REQUEST_CANCELLED,
    REQUEST_CHECKING,
    REQUEST_COLLECTED,
    REQUEST_INCOMPLETE,
    REQUEST_READY,
    LetterRequest,
)
from services.letter_service import issuing
from services.letter_service.console.states import STATUS_NAMES

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


CHECK = Action("periksa", "Sudah diperiksa, teruskan ke Kepala Desa",
               "Permohonan #{id} sudah diperiksa dan menunggu tandatangan.",
               (REQUEST_CHECKING,), REQUEST_AWAITING_SIGNATURE)
SIGN = Action("tandatangani", "Tandatangani dan terbitkan surat",
              "Surat untuk permohonan #{id} sudah ditandatangani dan siap diambil.",
              (REQUEST_AWAITING_SIGNATURE,), REQUEST_READY, roles=(STAFF_HEAD,))
COLLECT = Action("diambil", "Tandai sudah diambil",
                 "Permohonan #{id} ditandai sudah diambil.", (REQUEST_READY,), REQUEST_COLLECTED)
REJECT = Action("tolak", "Tolak permohonan", "Permohonan #{id} ditolak.",
                (REQUEST_INCOMPLETE, REQUEST_CHECKING, REQUEST_AWAITING_SIGNATURE),
                REQUEST_CANCELLED)
ACTIONS = {action.name: action for action in (CHECK, SIGN, COLLECT, REJECT)}


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
    if action is REJECT and not reason:
        raise ActionRefused("Alasan penolakan wajib diisi.")
    if len(reason) > MAX_REASON_LENGTH:
        raise ActionRefused(f"Alasan terlalu panjang (paling banyak {MAX_REASON_LENGTH} huruf).")
    if staff.role not in action.roles:
        raise ActionRefused("Hanya Kepala Desa yang dapat menandatangani dan menerbitkan surat.")
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
    if action is REJECT:
        request.note = reason
    request.updated_at = local_time(now, settings.timezone)
    session.add(audit_entry(staff, action, request, from_status, reason, now))
    session.flush()
    return request


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
