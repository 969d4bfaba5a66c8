"""Plain query functions over the SIADES/OpenSID tables, each taking the caller's Session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from libs.siades.bot_models import AuditEntry, RegistrationAttempt
from libs.siades.models import (
    ALIVE,
    HEAD_OF_FAMILY,
    Area,
    Citizenship,
    Education,
    Family,
    FamilyRole,
    Household,
    MaritalStatus,
    Occupation,
    Program,
    ProgramParticipant,
    Religion,
    Resident,
    Sex,
)
from libs.siades.programs import (
    ACTIVE,
    TARGET_FAMILY,
    TARGET_HOUSEHOLD,
    TARGET_PERSON,
    standing,
)
from libs.siades.village import village_config

SPOUSE_ROLES = (2, 3)  # SUAMI, ISTRI


@dataclass(frozen=True)
class Biodata:
    """A resident's registry data as display values (lookup names, not codes)."""

    name: str
    nik: str | None
    birth_place: str | None
    birth_date: date | None
    sex: str | None
    religion: str | None
    marital_status: str | None
    education: str | None
    occupation: str | None
    citizenship: str | None
    family_role: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    address: str | None


@dataclass(frozen=True)
class Member:
    """One living member of a family card."""

    name: str
    family_role: str | None
    sex: str | None
    birth_date: date | None


@dataclass(frozen=True)
class FamilyView:
    """A family card: number, address and living members, head first."""

    no_kk: str | None
    address: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    members: list[Member]


@dataclass(frozen=True)
class Membership:
    """A resident's participation in one program, through their NIK, family or household."""

    program_name: str
    card_number: str | None
    start_date: date | None
    end_date: date | None
    active: bool  # program.status == 1 (OpenSID's "Aktif" flag), whatever the dates say
    target: int  # program.sasaran: 1 person, 2 family, 3 household

    def standing(self, today: date) -> str:
        """programs.CURRENT, ENDED, NOT_STARTED or INACTIVE on `today` (the village's date)."""
        return standing(self.active, self.start_date, self.end_date, today)


# --- registration --------------------------------------------------------------------------


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


# --- the resident's own data -----------------------------------------------------------------


def biodata(session: Session, resident: Resident) -> Biodata:
    """The resident's registry data, every coded value as OpenSID's lookup name."""
    names = session.execute(
        select(
            Sex.name, Religion.name, MaritalStatus.name, Education.name, Occupation.name,
            Citizenship.name, FamilyRole.name, Area.dusun, Area.rw, Area.rt,
        )
        .select_from(Resident)
        .outerjoin(Sex, Sex.id == Resident.sex_id)
        .outerjoin(Religion, Religion.id == Resident.religion_id)
        .outerjoin(MaritalStatus, MaritalStatus.id == Resident.marital_status_id)
        .outerjoin(Education, Education.id == Resident.education_id)
        .outerjoin(Occupation, Occupation.id == Resident.occupation_id)
        .outerjoin(Citizenship, Citizenship.id == Resident.citizenship_id)
        .outerjoin(FamilyRole, FamilyRole.id == Resident.family_role_id)
        .outerjoin(Area, Area.id == Resident.area_id)
        .where(Resident.id == resident.id)
    ).one()
    sex, religion, marital, education, occupation, citizenship, role, dusun, rw, rt = names
    return Biodata(
        name=resident.name,
        nik=resident.nik,
        birth_place=resident.birth_place,
        birth_date=resident.birth_date,
        sex=sex,
        religion=religion,
        marital_status=marital,
        education=education,
        occupation=occupation,
        citizenship=citizenship,
        family_role=role,
        dusun=dusun,
        rw=rw,
        rt=rt,
        address=_blank_to_none(resident.address),
    )


def family_of(session: Session, resident: Resident) -> FamilyView | None:
    """The resident's family card with its living members, head first; None without a card."""
    if not resident.family_id:
        return None
    row = session.execute(
        select(Family, Area)
        .outerjoin(Area, Area.id == Family.area_id)
        .where(Family.id == resident.family_id)
    ).first()
    if row is None:
        return None
    family, area = row
    rows = session.execute(
        select(
            Resident.id,
            Resident.name,
            Resident.family_role_id,
            Resident.birth_date,
            FamilyRole.name.label("role"),
            Sex.name.label("sex"),
        )
        .outerjoin(FamilyRole, FamilyRole.id == Resident.family_role_id)
        .outerjoin(Sex, Sex.id == Resident.sex_id)
        .where(Resident.family_id == family.id, Resident.base_status == ALIVE)
    ).all()
    head_id = family.head_resident_id

    def order(row) -> tuple:
        level = row.family_role_id
        if level == HEAD_OF_FAMILY or row.id == head_id:
            rank = 0
        elif level in SPOUSE_ROLES:
            rank = 1
        else:
            rank = 2
        return (rank, 99 if level is None else level, row.birth_date or date.max, row.id)

    dusun, rw, rt = (area.dusun, area.rw, area.rt) if area else (None, None, None)
    return FamilyView(
        no_kk=family.no_kk,
        address=_blank_to_none(family.address),
        dusun=dusun,
        rw=rw,
        rt=rt,
        members=[
            Member(name=r.name, family_role=r.role, sex=r.sex, birth_date=r.birth_date)
            for r in sorted(rows, key=order)
        ],
    )


def _blank_to_none(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


# --- assistance programs ---------------------------------------------------------------------


def _normalise_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({n.strip().upper() for n in names if n and n.strip()}))


def _named(names: tuple[str, ...]):
    return func.upper(func.trim(Program.name)).in_(names)


def programs_named(session: Session, names: tuple[str, ...]) -> list[Program]:
    """Programs whose name is one of `names` (case-insensitive, trimmed)."""
    wanted = _normalise_names(names)
    if not wanted:
        return []
    return list(session.scalars(select(Program).where(_named(wanted)).order_by(Program.id)))


def program_memberships(
    session: Session, resident: Resident, names: tuple[str, ...]
) -> list[Membership]:
    """The resident's participations in the programs named `names`, by each program's sasaran."""
    wanted = _normalise_names(names)
    if not wanted:
        return []
    no_kk, household_no = session.execute(
        select(Family.no_kk, Household.no_kk)
        .select_from(Resident)
        .outerjoin(Family, Family.id == Resident.family_id)
        .outerjoin(Household, Household.no_kk == Resident.household_no)
        .where(Resident.id == resident.id)
    ).one()
    participant = ProgramParticipant.participant
    keys = [(TARGET_PERSON, resident.nik), (TARGET_FAMILY, no_kk), (TARGET_HOUSEHOLD, household_no)]
    matches = [and_(Program.target == t, participant == k) for t, k in keys if k]
    if not matches:
        return []
    rows = session.execute(
        select(Program, ProgramParticipant.card_number)
        .join(ProgramParticipant, ProgramParticipant.program_id == Program.id)
        .where(_named(wanted), or_(*matches))
        .order_by(Program.name, Program.id, ProgramParticipant.id)
    ).all()
    return [
        Membership(
            program_name=program.name.strip(),
            card_number=card,
            start_date=program.start_date,
            end_date=program.end_date,
            active=program.status == ACTIVE,
            target=program.target,
        )
        for program, card in rows
    ]


# --- the village ------------------------------------------------------------------------------


def village_name(session: Session) -> str | None:
    """The served village's name from OpenSID's `config`, trimmed; None if unset."""
    config = village_config(session)
    return _blank_to_none(config.village_name) if config is not None else None
