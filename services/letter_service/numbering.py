"""Letter numbers as OpenSID writes them: a yearly sequence per format, put into a template.

`log_surat.no_surat` holds the sequence only ("7"); the number printed on the letter comes from
the `format_nomor_surat` setting, e.g. `[kode_surat]/[nomor_surat, 3]/[kode_desa]/[bulan_romawi]/
[tahun]` -> `S-14/007/3517092006/XI/2026`.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.siades.letter_kinds import DEFAULT_NUMBER_FORMAT, NUMBER_FORMAT_KEY
from libs.siades.letters import LetterFormat, LetterLog, Setting

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_PLACEHOLDER = re.compile(r"\[\s*([a-z_]+)\s*(?:,\s*(\d+)\s*)?\]", re.IGNORECASE)


def roman_month(month: int) -> str:
    """1 -> 'I', 11 -> 'XI'."""
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    return ROMAN_MONTHS[month - 1]


def format_number(
    template: str, *, format_code: str, sequence: int, village_code: str, issued: date
) -> str:
    """The printed number: OpenSID's placeholders filled in, unknown ones left as they are."""
    values = {
        "kode_surat": format_code,
        "kode_desa": village_code,
        "bulan_romawi": roman_month(issued.month),
        "tahun": str(issued.year),
    }

    def fill(match: re.Match) -> str:
        name, width = match[1].lower(), match[2]
        if name == "nomor_surat":
            return str(sequence).zfill(int(width)) if width else str(sequence)
        if name in values and width is None:
            return values[name]
        return match[0]

    return _PLACEHOLDER.sub(fill, template)


def number_template(session: Session) -> str:
    """The `format_nomor_surat` setting, or OpenSID's default where the database has none."""
    value = session.scalar(select(Setting.value).where(Setting.key == NUMBER_FORMAT_KEY))
    return value.strip() if value and value.strip() else DEFAULT_NUMBER_FORMAT


def next_sequence(session: Session, format_id: int, year: int) -> int:
    """1 + the highest sequence issued for this format in this year (numbering restarts yearly).

    Locks the format's row first, so two staff signing at once get different numbers; the lock
    is held until the caller's transaction ends (SQLite serializes writers with BEGIN IMMEDIATE).
    """
    session.execute(select(LetterFormat.id).where(LetterFormat.id == format_id).with_for_update())
    return following_sequence(session, format_id, year)


def following_sequence(session: Session, format_id: int, year: int) -> int:
    """The sequence the next letter of this format and year gets, read without a lock: what a
    preview shows (another letter signed first would take it)."""
    numbers = session.scalars(select(LetterLog.number).where(
        LetterLog.format_id == format_id, LetterLog.year == str(year)
    ))
    # no_surat is text: compared as numbers in Python ("10" > "9"), as a CAST of a stray
    # non-numeric value would fail on PostgreSQL; a village issues hundreds a year, not millions.
    return max((int(n) for n in numbers if n and n.strip().isdigit()), default=0) + 1
