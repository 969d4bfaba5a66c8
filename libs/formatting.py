"""Registry values as a resident reads them: Indonesian dates, ages, addresses, all escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from libs.siades.queries import area_label
from libs.telegram import escape
from libs.texts import UNKNOWN_VALUE

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
WIB = timedelta(hours=7)


def value(text: object | None) -> str:
    """An escaped registry value, or '-' when the registry has none."""
    if text is None or str(text).strip() == "":
        return UNKNOWN_VALUE
    return escape(str(text).strip())


def tanggal(day: date | None) -> str:
    """`20 Mei 1970`."""
    if day is None:
        return UNKNOWN_VALUE
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def wib(moment: datetime) -> str:
    """A naive UTC time as Western Indonesian Time: `28 November 2026 20:13`."""
    local = moment + WIB
    return f"{tanggal(local.date())} {local:%H:%M}"


def age(birth: date | None, today: date) -> str:
    """Age in whole years: `53 tahun`."""
    if birth is None:
        return UNKNOWN_VALUE
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{max(years, 0)} tahun"


def address(street: str | None, dusun: str | None, rw: str | None, rt: str | None) -> str:
    """`Jl. Melati 5, RT 001, RW 001, Dusun KRAJAN`, skipping what the registry leaves blank."""
    parts = [p for p in ((street or "").strip(), area_label(dusun, rw, rt)) if p]
    return escape(", ".join(parts)) if parts else UNKNOWN_VALUE
