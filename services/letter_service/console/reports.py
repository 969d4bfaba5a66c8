"""The dashboard (service figures) and the audit log."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from libs.siades.bot_models import AuditEntry
from services.letter_service.console import stats
from services.letter_service.console.database import db
from services.letter_service.console.states import STATUS_NAMES

bp = Blueprint("reports", __name__)

AUDIT_LIMIT = 200
ACTION_NAMES = {"login": "Masuk", "periksa": "Diperiksa", "tandatangani": "Ditandatangani",
                "diambil": "Diambil", "tolak": "Ditolak"}
DETAIL_LABELS = {"request_id": "permohonan", "from_status": "dari", "to_status": "menjadi",
                 "reason": "alasan", "staff_id": "staf"}


@bp.get("/dasbor")
def dashboard():
    """Requests per kind and status; time from submission to ready."""
    settings = current_app.extensions["settings"]
    counts = stats.counts_by_kind(db())
    figures = stats.time_figures(stats.durations(db(), settings.timezone))
    time_tables = [
        ("Keseluruhan", "", [figures.overall], "times-overall"),
        ("Per jenis surat", "Jenis surat", figures.by_kind, "times-kind"),
        ("Per penandatangan", "Penandatangan", figures.by_signer, "times-signer"),
    ]
    return render_template("dashboard.html", counts=counts, statuses=list(STATUS_NAMES),
                           time_tables=time_tables)


@bp.get("/audit")
def audit():
    """The newest audit entries."""
    entries = db().scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(AUDIT_LIMIT))
    rows = [(entry, ACTION_NAMES.get(entry.action, entry.action), describe(entry.detail))
            for entry in entries]
    return render_template("audit.html", rows=rows, limit=AUDIT_LIMIT)


def describe(detail: str) -> str:
    """An audit entry's JSON detail as `permohonan 12, dari Sedang Diperiksa, ...`."""
    try:
        values = json.loads(detail or "{}")
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return detail
    parts = []
    for key, value in values.items():
        if key in ("from_status", "to_status") and value in STATUS_NAMES:
            value = STATUS_NAMES[value]
        parts.append(f"{DETAIL_LABELS.get(key, key)} {value}")
    return ", ".join(parts)
