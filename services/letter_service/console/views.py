"""The queue, a request's page, the actions on it, correcting its answers, the preview of its
letter and the issued letter's PDF."""

from __future__ import annotations

import html
import re

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

from libs import metrics
from libs.formatting import local_time
from libs.siades.bot_models import STAFF_HEAD, LetterDocument, Staff
from libs.siades.coltypes import utcnow
from libs.siades.letters import LetterRequest
from libs.vocabulary.states import RequestState
from services.letter_service import issuing
from services.letter_service.console import listing
from services.letter_service.console.actions import (
    ACTIONS,
    CORRECT,
    ActionRefused,
    actions_for,
    correct_answers,
    correctable_form,
    perform,
    stored_form,
)
from services.letter_service.console.database import db
from services.letter_service.console.states import (
    BEFORE_SIGNING,
    CANCEL_KINDS,
    QUEUE_TABS,
    WITH_DOCUMENT,
    landing_tab,
    tab_named,
)
from services.letter_service.fields import FieldError

bp = Blueprint("views", __name__)


def settings():
    """The console's Settings."""
    return current_app.extensions["settings"]


def local_today():
    """Today in the village."""
    return local_time(utcnow(), settings().timezone).date()


@bp.get("/")
def home():
    """The queue is the home page."""
    return redirect(url_for("views.queue"))


@bp.get("/permohonan")
def queue():
    """The requests of one tab, newest first; without a choice, the tab of this role's work."""
    tab = tab_named(request.args.get("status")) or landing_tab(g.staff.role)
    return render_template("queue.html", tabs=QUEUE_TABS, counts=listing.tab_counts(db()),
                           tab=tab, requests=listing.requests_in(db(), tab, local_today()),
                           limit=listing.QUEUE_LIMIT)


@bp.get("/permohonan/<int:request_id>")
def detail(request_id: int):
    """One request: the resident, the answers, and what this staff member may do now."""
    view = listing.request_view(db(), request_id, local_today())
    if view is None:
        abort(404)
    return render_template("request.html", req=view, actions=actions_for(view.status, g.staff),
                           with_document=WITH_DOCUMENT, before_signing=BEFORE_SIGNING,
                           cancel_kinds=CANCEL_KINDS, back=queue_tab_of(view),
                           next_number=number_to_give(request_id, view.status))


def number_to_give(request_id: int, status: int) -> str | None:
    """For a request awaiting signature, the number its letter would get now; else None."""
    if status != RequestState.AWAITING_SIGNATURE:
        return None
    try:
        return issuing.next_number(db(), db().get(LetterRequest, request_id), settings(),
                                   utcnow())
    except issuing.IssueError:
        return None


def queue_tab_of(view: listing.RequestView) -> str:
    """The queue tab a request is listed in."""
    return view.cancel_kind or str(view.status)


@bp.post("/permohonan/<int:request_id>/<action_name>")
def act(request_id: int, action_name: str):
    """Do an action in one transaction; a refusal is shown as a message, nothing changes."""
    action = ACTIONS.get(action_name)
    if action is None:
        abort(404)
    session = db()
    try:
        perform(session, request_id, action, g.staff, settings(), utcnow(),
                reason=request.form.get("reason", ""))
        number = session.scalar(select(LetterDocument.number)
                                .where(LetterDocument.request_id == request_id))
        session.commit()
    except (ActionRefused, issuing.IssueError) as refusal:
        session.rollback()
        metrics.CONSOLE_ACTIONS.labels(action.name, "refused").inc()
        flash(str(refusal), "error")
    else:
        metrics.CONSOLE_ACTIONS.labels(action.name, "done").inc()
        flash(action.done.format(id=request_id, number=number), "info")
    return redirect(url_for("views.detail", request_id=request_id))


@bp.route("/permohonan/<int:request_id>/isian", methods=["GET", "POST"])
def correct(request_id: int):
    """The resident's answers as a form staff correct before signing, by the chat's rules."""
    session = db()
    letter_request = session.get(LetterRequest, request_id)
    if letter_request is None:
        abort(404)
    form = correctable_form(session, letter_request)
    if letter_request.status not in BEFORE_SIGNING or form is None:
        flash("Isian permohonan ini tidak dapat diperbaiki lagi dari sini.", "error")
        return redirect(url_for("views.detail", request_id=request_id))
    given = {field.name: request.form[field.name] for field in form.fields
             if field.name in request.form}
    stored = stored_form(letter_request)
    shown = {field.name: str(stored.get(field.name, "")) for field in form.fields} | given
    status = 200
    if request.method == "POST":
        try:
            changes = correct_answers(session, request_id, given, g.staff, settings(), utcnow())
            session.commit()
        except (ActionRefused, FieldError) as refusal:
            session.rollback()
            metrics.CONSOLE_ACTIONS.labels(CORRECT, "refused").inc()
            flash(plain(str(refusal)), "error")
            status = 400
        else:
            metrics.CONSOLE_ACTIONS.labels(CORRECT, "done").inc()
            flash(f"Isian permohonan #{request_id} diperbaiki: " + "; ".join(
                f"{label}: {old or '-'} → {new or '-'}" for label, old, new in changes)
                if changes else "Tidak ada isian yang berubah.", "info")
            return redirect(url_for("views.detail", request_id=request_id))
    return render_template("correct.html", request_id=request_id, form=form, given=shown,
                           kind_title=form.kind.title), status


def plain(message: str) -> str:
    """A message written for the chat (Telegram's HTML) as the page's plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", message))


@bp.get("/permohonan/<int:request_id>/pratinjau.pdf")
def preview_pdf(request_id: int):
    """The letter as signing it now would print it, marked PRATINJAU; nothing is written."""
    session = db()
    letter_request = session.get(LetterRequest, request_id)
    if letter_request is None:
        abort(404)
    try:
        _number, pdf = issuing.preview(session, letter_request, preview_signer(session),
                                       settings(), utcnow())
    except (issuing.IssueError, LookupError) as refusal:
        return render_template("error.html", message=str(refusal)), 409
    finally:
        session.rollback()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline",
                         filename=f"PRATINJAU-permohonan-{request_id}.pdf")
    return response


def preview_signer(session) -> Staff:
    """Whose name the preview prints: the Kepala Desa looking at it, else the village's active
    Kepala Desa account (the first, should there be several)."""
    if g.staff.role == STAFF_HEAD:
        return g.staff
    head = session.scalars(select(Staff).where(Staff.role == STAFF_HEAD, Staff.active)
                           .order_by(Staff.id)).first()
    if head is None:
        raise issuing.IssueError("Belum ada akun Kepala Desa yang aktif untuk menandatangani.")
    return head


@bp.get("/permohonan/<int:request_id>/surat.pdf")
def letter_pdf(request_id: int):
    """The issued letter, for a request that is ready or collected (or whose letter was
    withdrawn: the office keeps it on file)."""
    view = listing.request_view(db(), request_id, local_today())
    if view is None or not view.has_document:
        abort(404)
    document = db().get(LetterDocument, request_id)
    response = current_app.response_class(document.pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=document.file_name)
    return response
