"""Registration: a Telegram chat linked to its living resident, the attempts that count against
an account or a NIK, and the village office's audit entry when one NIK is being guessed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from libs.siades.bot_models import AuditEntry, RegistrationAttempt
from libs.siades.models import ALIVE, Family, Resident


def resident_by_chat(session: Session, chat_id: int) -> Resident | None:
    """The living resident linked to this Telegram chat, if any."""
    return session.scalars(
        select(Resident).where(Resident.telegram == str(chat_id), Resident.base_status == ALIVE)
    ).first()


def chat_owner(session: Session, chat_id: int) -> Resident | None:
    """The resident linked to this chat whatever their status (dead, moved away...)."""
    return session.scalars(select(Resident).where(Resident.telegram == str(chat_id))).first()


def registration_candidate(session: Session, nik: str, no_kk: str) -> Resident | None:
    """The living resident with this NIK on the family card with this No KK, else None."""
    # One query, so a caller cannot tell (or leak by timing) which condition failed.
    return session.scalars(
        select(Resident)
        .join(Family, Family.id == Resident.family_id)
        .where(Resident.nik == nik, Family.no_kk == no_kk, Resident.base_status == ALIVE)
    ).first()


def link_chat(session: Session, resident_id: int, chat_id: int, verified_at: datetime) -> bool:
    """Link a chat to a living resident who has none yet; True iff this call linked it.

    A chat already linked to someone else violates the UNIQUE on `telegram`: the
    IntegrityError propagates (callers check `resident_by_chat` first; this is the backstop).
    """
    result = session.execute(
        update(Resident)
        .where(
            Resident.id == resident_id,
            Resident.base_status == ALIVE,
            or_(Resident.telegram.is_(None), Resident.telegram == ""),
        )
        .values(telegram=str(chat_id), telegram_verified_at=verified_at)
        .execution_options(synchronize_session=False)
    )
    # The UPDATE bypassed the identity map: bring a loaded copy of the resident up to date.
    loaded = session.identity_map.get(identity_key(Resident, resident_id))
    if loaded is not None:
        session.refresh(loaded, ["telegram", "telegram_verified_at", "updated_at"])
    return result.rowcount == 1


def failed_attempts_since(session: Session, chat_id: int, since: datetime) -> int:
    """How many failed registration attempts this chat made at or after `since`."""
    return session.scalar(
        select(func.count())
        .select_from(RegistrationAttempt)
        .where(*_failures(RegistrationAttempt.chat_id == chat_id, since))
    ) or 0


def first_failure_since(session: Session, chat_id: int, since: datetime) -> datetime | None:
    """The earliest failed attempt of this chat at or after `since` (when its lock ends)."""
    return session.scalar(select(func.min(RegistrationAttempt.attempted_at)).where(
        *_failures(RegistrationAttempt.chat_id == chat_id, since)
    ))


@dataclass(frozen=True)
class Guesses:
    """The failed attempts at one NIK, from every account, within a window."""

    attempts: int
    accounts: int  # distinct chats
    first: datetime | None  # the earliest (when a lock on the NIK ends)


def nik_failures_since(session: Session, nik_digest: str, since: datetime) -> Guesses:
    """The failed attempts at or after `since` whose NIK has this digest, from any chat."""
    attempts, accounts, first = session.execute(
        select(func.count(), func.count(RegistrationAttempt.chat_id.distinct()),
               func.min(RegistrationAttempt.attempted_at))
        .where(*_failures(RegistrationAttempt.nik_digest == nik_digest, since))
    ).one()
    return Guesses(attempts or 0, accounts or 0, first)


def _failures(whose, since: datetime):
    return (
        whose,
        RegistrationAttempt.success.is_(False),
        RegistrationAttempt.attempted_at >= since,
    )


def record_attempt(
    session: Session, chat_id: int, success: bool, reason: str, now: datetime,
    nik_digest: str | None = None,
) -> RegistrationAttempt:
    """Record one registration attempt (committed with the caller's transaction)."""
    attempt = RegistrationAttempt(chat_id=chat_id, success=success, reason=reason,
                                  attempted_at=now, nik_digest=nik_digest)
    session.add(attempt)
    session.flush()
    return attempt


def record_guessing(session: Session, masked_nik: str, guesses: Guesses, now: datetime
                    ) -> AuditEntry:
    """Tell the village office, in the audit log, that one NIK is being guessed."""
    detail = {"nik": masked_nik, "accounts": guesses.accounts, "attempts": guesses.attempts}
    entry = AuditEntry(at=now, actor="bot", action="registration_guessed",
                       detail=json.dumps(detail))
    session.add(entry)
    return entry
