"""Complaints in the console: the list per state, a complaint's page (the resident, the text,
the photo, the location, the answers) and the form to answer it; a read-only page for one that
came through the village website's own form, answered in OpenSID's admin.

An answer is `records.answer`'s (the reply the status watcher tells the resident once; for a
public complaint also the `pengaduan` child row and status OpenSID's admin would write), with
an audit entry, in one transaction. Staff alerts in Telegram link to `/aduan/<id>`.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import Settings
from libs.formatting import local_time
from libs.siades.bot_models import AuditEntry, Complaint, ComplaintReply, Staff
from libs.siades.coltypes import utcnow
from libs.vocabulary.complaints import ComplaintState
from services.letter_service.complaints import records
from services.letter_service.console import complaint_listing as listing
from services.letter_service.console.auth import client_address
from services.letter_service.console.database import db

bp = Blueprint("complaints", __name__)

MAX_ANSWER_LENGTH = 2000  # the resident reads it in one Telegram message
ANSWERED = "jawab_aduan"  # the audit log's action
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


class Refused(ValueError):
    """The answer cannot be saved; the message is for the staff member."""


def settings() -> Settings:
    """The console's Settings."""
    return current_app.extensions["settings"]


def tab_status(value: str | None) -> ComplaintState:
    """The state of a `?status=` value; Menunggu Diproses for anything else."""
    try:
        return ComplaintState(int(value or ""))
    except ValueError:
        return ComplaintState.WAITING


@bp.get("/aduan")
def index():
    """The complaints of one state, newest first, from the chat and from the website."""
    state = tab_status(request.args.get("status"))
    rows = listing.complaints_in(db(), state, utcnow(), settings().timezone,
                                 settings().sla_hours)
    return render_template("complaints.html", states=listing.STATES, state=state,
                           counts=listing.state_counts(db()), rows=rows,
                           limit=listing.LIST_LIMIT, sla_hours=settings().sla_hours,
                           from_website=listing.FROM_WEBSITE)


@bp.get("/aduan/<int:complaint_id>")
def complaint(complaint_id: int):
    """One complaint from the chat and the form to answer it."""
    found = db().get(Complaint, complaint_id)
    if found is None:
        abort(404)
    return render_complaint(found, {})


def render_complaint(found: Complaint, form: dict, status: int = 200):
    """The complaint's page, the answer form filled with `form` (after a refusal)."""
    view = listing.complaint_view(db(), found, utcnow(), settings().sla_hours)
    chosen = form.get("status") or (ComplaintState.IN_PROGRESS
                                    if found.status == ComplaintState.WAITING else found.status)
    return render_template("complaint.html", view=view, c=found, states=listing.STATES,
                           chosen=int(chosen), body=form.get("body", ""),
                           max_length=MAX_ANSWER_LENGTH, sla_hours=settings().sla_hours), status


@bp.post("/aduan/<int:complaint_id>/jawab")
def answer(complaint_id: int):
    """Save the staff member's answer; a refusal shows the page again with what was typed."""
    session = db()
    body, status = request.form.get("body", ""), request.form.get("status", "")
    try:
        reply = answer_complaint(session, complaint_id, body, status, g.staff, settings(),
                                 utcnow())
        session.commit()
    except Refused as refusal:
        session.rollback()
        found = session.get(Complaint, complaint_id)
        if found is None:
            abort(404)
        flash(str(refusal), "error")
        return render_complaint(found, {"body": body, "status": status}, 400)
    flash(f"Jawaban untuk aduan #{complaint_id} disimpan dengan status "
          f"{records.state_name(reply.status)}; pengadu akan menerimanya di Telegram.", "info")
    return redirect(url_for("complaints.complaint", complaint_id=complaint_id))


def answer_complaint(session: Session, complaint_id: int, body: str, status: str | int,
                     staff: Staff, settings: Settings, now: datetime) -> ComplaintReply:
    """Answer the complaint as `staff`, in the session's transaction (the caller commits)."""
    body = body.strip()
    if not body:
        raise Refused("Jawaban wajib diisi.")
    if len(body) > MAX_ANSWER_LENGTH:
        raise Refused(f"Jawaban terlalu panjang (paling banyak {MAX_ANSWER_LENGTH} huruf, "
                      f"ini {len(body)}).")
    try:
        state = ComplaintState(int(status))
    except ValueError:
        raise Refused("Pilih status aduan.") from None
    found = session.scalars(select(Complaint).where(Complaint.id == complaint_id)
                            .with_for_update().execution_options(populate_existing=True)).first()
    if found is None:
        raise Refused(f"Aduan #{complaint_id} tidak ditemukan.")
    latest = session.scalars(select(ComplaintReply).where(ComplaintReply.complaint_id == found.id)
                             .order_by(ComplaintReply.id.desc()).limit(1)).first()
    if (latest is not None and latest.staff_id == staff.id and latest.body == body
            and latest.status == state):
        # A second press of the button (or a reload): the resident gets it once.
        raise Refused("Jawaban yang sama sudah tersimpan; tidak dikirim dua kali.")
    from_status = found.status
    reply = records.answer(session, found, author=staff.full_name, staff_id=staff.id, body=body,
                           status=state, local_now=local_time(now, settings.timezone),
                           utc_now=now)
    detail = {"complaint_id": found.id,
              "status": f"{records.state_name(from_status)} → {records.state_name(state)}",
              "address": client_address()}
    session.add(AuditEntry(at=now, actor=staff.username, action=ANSWERED,
                           detail=json.dumps(detail, ensure_ascii=False)))
    session.flush()
    return reply


@bp.get("/aduan/<int:complaint_id>/foto")
def photo(complaint_id: int):
    """The complaint's photo, as the resident sent it; only for logged-in staff."""
    found = listing.photo_of(db(), complaint_id)
    if found is None:
        abort(404)
    response = current_app.response_class(found.content, mimetype=found.mime_type)
    response.headers.set("Content-Disposition", "inline",
                         filename=f"aduan-{complaint_id}.{EXTENSIONS[found.mime_type]}")
    return response


@bp.get("/aduan/opensid/<int:pengaduan_id>")
def website(pengaduan_id: int):
    """A complaint sent through OpenSID's own web form: read here, answered in its admin."""
    view = listing.website_view(db(), pengaduan_id)
    if view is None:
        abort(404)
    if isinstance(view, int):  # one of ours: its own page
        return redirect(url_for("complaints.complaint", complaint_id=view))
    return render_template("complaint_website.html", view=view, c=view.complaint)
