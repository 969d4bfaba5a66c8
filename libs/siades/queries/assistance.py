"""The assistance programs (PKH, BPNT, KIS ...) by name, and a resident's participation in them
through their NIK, family card or household (each program's `sasaran`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from libs.siades.models import Family, Household, Program, ProgramParticipant, Resident
from libs.siades.programs import (
    ACTIVE,
    TARGET_FAMILY,
    TARGET_HOUSEHOLD,
    TARGET_PERSON,
)
from libs.vocabulary.programs import standing


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
