"""How the console's templates show times, hours and statuses."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g

from libs.formatting import MONTHS, ZONE_LABELS, local_time, tanggal, whole_hours
from libs.identity import mask
from libs.siades.bot_models import STAFF_OPERATOR
from services.letter_service.complaints.records import state_name
from services.letter_service.console.states import ROLE_NAMES, STATUS_NAMES

NO_DATA = "-"


def local_clock(moment: datetime | None) -> str:
    """A naive local time as `28 Nov 2026 20:13`; '-' for none."""
    if not isinstance(moment, datetime):
        return NO_DATA
    return f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year} {moment:%H:%M}"


def hours(value: float | None) -> str:
    """Hours with one decimal, Indonesian style (`2,5`); '-' where there is no data."""
    if value is None:
        return NO_DATA
    return f"{value:.1f}".replace(".", ",")


def shown_nik(nik: str | None) -> str:
    """A NIK as the logged-in staff member may see it: in full to operators, who compare it
    with the KTP at the counter; masked to the Kepala Desa, whose work does not need it."""
    if g.staff is not None and g.staff.role == STAFF_OPERATOR:
        return nik or NO_DATA
    return mask(nik)


def register(app: Flask, zone: str) -> None:
    """Add the filters; `utc_clock` shows a naive UTC time (bot_ tables) in the village's."""
    label = ZONE_LABELS.get(zone, zone)
    app.add_template_filter(local_clock, "waktu")
    app.add_template_filter(hours, "jam")
    app.add_template_filter(lambda day: tanggal(day) if day else NO_DATA, "tanggal")
    app.add_template_filter(
        lambda moment: f"{local_clock(local_time(moment, zone))} {label}" if moment else NO_DATA,
        "waktu_utc")
    app.add_template_filter(lambda status: STATUS_NAMES.get(status, f"Status {status}"),
                            "status")
    app.add_template_filter(state_name, "aduan_status")
    app.add_template_filter(whole_hours, "jam_batas")
    app.jinja_env.globals["role_names"] = ROLE_NAMES
    app.jinja_env.globals["nik"] = shown_nik
    app.jinja_env.globals["masked"] = mask  # a complaint's NIK: masked to every role
