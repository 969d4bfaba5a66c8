"""The dashboard: service figures."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from services.letter_service.console import stats
from services.letter_service.console.database import db
from services.letter_service.console.states import STATUS_NAMES

bp = Blueprint("reports", __name__)


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
