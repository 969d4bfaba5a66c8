"""A staff member's own Telegram account, linked to their console account with a one-time code.

The console shows a code (`new_code`) that works once, for STAFF_LINK_MINUTES; the staff member
sends `STAF <code>` to the bot from their own Telegram. Only the code's SHA-256 is stored: it is
random (40 bits from an alphabet without look-alikes), so its digest cannot be guessed back.
A new code replaces the staff member's earlier ones. Unlinking: `STAF BERHENTI` in the chat, or
the console (`unlink`). A linked chat gets the office's alerts (services/letter_service/
staff_alerts.py); one chat links to one staff account at most.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from libs import texts
from libs.contracts import Outgoing
from libs.replies import reply
from libs.siades.bot_models import AuditEntry, Staff, StaffLinkCode
from libs.vocabulary.staff import STOP

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8


def _digest(code: str) -> str:
    return hashlib.sha256(normalised(code).encode("ascii", "replace")).hexdigest()


def normalised(code: str) -> str:
    """The code as typed, without spaces or dashes, upper case."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def new_code(session: Session, staff: Staff, now: datetime, minutes: int) -> str:
    """A fresh code for `staff` (their earlier ones stop working); shown once, never stored."""
    session.execute(delete(StaffLinkCode).where(StaffLinkCode.staff_id == staff.id))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(StaffLinkCode(digest=_digest(code), staff_id=staff.id, created_at=now,
                              expires_at=now + timedelta(minutes=minutes)))
    return code


def redeem(session: Session, code: str, chat_id: int, now: datetime) -> Staff | None:
    """Link `chat_id` to the staff account whose live, unused code this is; None otherwise."""
    found = session.get(StaffLinkCode, _digest(code), with_for_update=True)
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    staff = session.get(Staff, found.staff_id)
    if staff is None or not staff.active:
        return None
    found.used_at = now
    # This chat leaves any other staff account it was linked to.
    session.execute(update(Staff).where(Staff.telegram_chat_id == chat_id, Staff.id != staff.id)
                    .values(telegram_chat_id=None))
    staff.telegram_chat_id = chat_id
    session.add(AuditEntry(at=now, actor=staff.username, action="staff_telegram_linked",
                           detail=""))
    return staff


def unlink(session: Session, staff: Staff, actor: str, now: datetime) -> bool:
    """Forget `staff`'s Telegram chat; whether it had one."""
    if staff.telegram_chat_id is None:
        return False
    staff.telegram_chat_id = None
    session.add(AuditEntry(at=now, actor=actor, action="staff_telegram_unlinked",
                           detail=json.dumps({"staff_id": staff.id})))
    return True


def linked_staff(session: Session, chat_id: int) -> Staff | None:
    """The active staff account linked to `chat_id`, if any."""
    return session.scalar(select(Staff).where(Staff.telegram_chat_id == chat_id,
                                              Staff.active.is_(True)))


def handle(command, session: Session, now: datetime) -> list[Outgoing]:
    """`STAF <code>` links this chat; `STAF BERHENTI` unlinks it; `STAF` alone says how."""
    argument = command.args[0] if command.args else ""
    if not argument:
        return reply(command, texts.STAFF_LINK_HOW)
    if normalised(argument) == STOP:
        staff = linked_staff(session, command.chat_id)
        if staff is None:
            return reply(command, texts.STAFF_UNLINK_NONE)
        unlink(session, staff, staff.username, now)
        return reply(command, texts.STAFF_UNLINKED)
    staff = redeem(session, argument, command.chat_id, now)
    if staff is None:
        return reply(command, texts.STAFF_LINK_REFUSED)
    return reply(command, texts.STAFF_LINKED.format(name=staff.full_name))
