"""Registry values as a resident reads them: Indonesian dates, ages, addresses, all escaped."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from libs.texts import UNKNOWN_VALUE

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
               "Asia/Jayapura": "WIT"}
_NO_AREA = ("", "0", "-")  # how OpenSID writes "no RT/RW" in tweb_wil_clusterdesa


def escape(text: object) -> str:
    """Text made safe to put inside a parse_mode=HTML message."""
    return html.escape(str(text), quote=False)


def value(text: object | None) -> str:
    """An escaped registry value, or '-' when the registry has none."""
    if text is None or str(text).strip() == "":
        return UNKNOWN_VALUE
    return escape(str(text).strip())


def tanggal(day: date | None) -> str:
    """`20 Mei 1970`."""
    if not isinstance(day, date):  # None, or MariaDB's '0000-00-00' that pymysql leaves a str
        return UNKNOWN_VALUE
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def whole_hours(value: float) -> str:
    """A number of hours as set (SLA_HOURS): `24`, `1,5`."""
    return f"{value:g}".replace(".", ",")


def local_time(moment: datetime, zone: str) -> datetime:
    """A naive UTC time as the village's naive local time (what OpenSID stores and shows)."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def clock(moment: datetime, zone: str) -> str:
    """A naive UTC time for a resident: `28 November 2026 20:13 WIB`."""
    local = local_time(moment, zone)
    return f"{tanggal(local.date())} {local:%H:%M} {ZONE_LABELS.get(zone, zone)}"


def age(birth: date | None, today: date) -> str:
    """Age in whole years: `53 tahun`."""
    if not isinstance(birth, date):
        return UNKNOWN_VALUE
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{max(years, 0)} tahun"


def address(street: str | None, dusun: str | None, rw: str | None, rt: str | None) -> str:
    """`Jl. Melati 5, RT 001, RW 001, Dusun KRAJAN`, skipping what the registry leaves blank."""
    parts = [p for p in ((street or "").strip(), area_label(dusun, rw, rt)) if p]
    return escape(", ".join(parts)) if parts else UNKNOWN_VALUE


def area_label(dusun: str | None, rw: str | None, rt: str | None) -> str | None:
    """'RT 004, RW 002, Dusun MANGSIT', leaving out the parts OpenSID marks as none."""
    parts = [
        f"{label} {value.strip()}"
        for label, value in (("RT", rt), ("RW", rw), ("Dusun", dusun))
        if value is not None and value.strip() not in _NO_AREA
    ]
    return ", ".join(parts) or None
