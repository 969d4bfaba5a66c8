"""The dashboard: service figures of letter requests and of complaints."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from libs.siades.coltypes import utcnow
from libs.vocabulary.complaints import ComplaintState
from services.letter_service.console import complaint_stats, stats
from services.letter_service.console.database import db
from services.letter_service.console.states import STATUS_NAMES

bp = Blueprint("reports", __name__)


@bp.get("/dasbor")
def dashboard():
    """Requests per kind and status, time from submission to ready; complaints per state,
    times to the first answer and to closure, and the overdue ones."""
    settings = current_app.extensions["settings"]
    counts = stats.counts_by_kind(db())
    figures = stats.time_figures(stats.durations(db(), settings.timezone))
    time_tables = [
        ("Keseluruhan", "", [figures.overall], "times-overall"),
        ("Per jenis surat", "Jenis surat", figures.by_kind, "times-kind"),
        ("Per penandatangan", "Penandatangan", figures.by_signer, "times-signer"),
    ]
    complaints = complaint_stats.figures(complaint_stats.handled(db()), utcnow(),
                                         settings.sla_hours)
    complaint_tables = [
        ("Sampai jawaban pertama", "Penjawab pertama", "Aduan dijawab",
         [complaints.first_answer, *complaints.first_answer_by_staff], "complaint-first"),
        ("Sampai selesai diproses", "Penutup aduan", "Aduan selesai",
         [complaints.closure, *complaints.closure_by_staff], "complaint-closed"),
    ]
    return render_template("dashboard.html", counts=counts, statuses=list(STATUS_NAMES),
                           time_tables=time_tables,
                           complaint_counts=complaint_stats.counts_by_state(db()),
                           complaint_states=list(ComplaintState),
                           complaint_tables=complaint_tables, complaints=complaints,
                           sla_hours=settings.sla_hours)
