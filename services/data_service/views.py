"""Registry records rendered as the chat messages residents read."""

from __future__ import annotations

from datetime import date

from libs import texts
from libs.formatting import address, age, tanggal, value
from libs.identity import mask
from libs.vocabulary.programs import CURRENT


def biodata(bio) -> str:
    """The Biodata message."""
    birth = f"{value(bio.birth_place)}, {tanggal(bio.birth_date)}"
    return texts.BIODATA.format(
        name=value(bio.name), nik=mask(bio.nik), birth=birth, sex=value(bio.sex),
        religion=value(bio.religion), marital_status=value(bio.marital_status),
        education=value(bio.education), occupation=value(bio.occupation),
        citizenship=value(bio.citizenship), family_role=value(bio.family_role),
        address=address(bio.address, bio.dusun, bio.rw, bio.rt),
    )


def family(view, today: date) -> str:
    """The Keluarga message: the card, then each living member, head first."""
    members = "\n".join(
        texts.FAMILY_MEMBER.format(index=i, name=value(m.name), role=value(m.family_role),
                                   sex=value(m.sex), age=age(m.birth_date, today))
        for i, m in enumerate(view.members, start=1)
    )
    return texts.FAMILY.format(
        no_kk=mask(view.no_kk), address=address(view.address, view.dusun, view.rw, view.rt),
        count=len(view.members), members=members or texts.UNKNOWN_VALUE,
    )


def memberships(service: str, items, today: date) -> str:
    """The PKH / BPNT / KIS message for a participant: current or not on `today`, each
    participation with its period and how it stands."""
    standings = [m.standing(today) for m in items]
    entries = "\n".join(
        texts.PROGRAM_ENTRY.format(
            program=value(m.program_name), card=value(m.card_number),
            start=tanggal(m.start_date), end=tanggal(m.end_date),
            state=texts.PROGRAM_STATES[standing],
        )
        for m, standing in zip(items, standings, strict=True)
    )
    headline = texts.PROGRAM_MEMBER if CURRENT in standings else texts.PROGRAM_NOT_CURRENT
    return headline.format(service=service, entries=entries)
