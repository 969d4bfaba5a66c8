"""A resident's own registry data and their family card, as display values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.siades.models import (
    ALIVE,
    HEAD_OF_FAMILY,
    Area,
    Citizenship,
    Education,
    Family,
    FamilyRole,
    MaritalStatus,
    Occupation,
    Religion,
    Resident,
    Sex,
)

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
