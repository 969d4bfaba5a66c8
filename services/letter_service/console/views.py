"""The queue, a request's page, the actions on it and the issued letter's PDF."""

from __future__ import annotations

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
from libs.siades.bot_models import LetterDocument
from libs.siades.coltypes import utcnow
from libs.siades.letters import REQUEST_CHECKING, REQUEST_INCOMPLETE
from services.letter_service import issuing
from services.letter_service.console import listing
from services.letter_service.console.actions import (
    ACTIONS,
    REJECT,
    ActionRefused,
    actions_for,
    perform,
)
from services.letter_service.console.database import db
from services.letter_service.console.states import QUEUE_TABS, WITH_DOCUMENT

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
    """The requests in one status (a tab per status), newest first."""
    counts = listing.status_counts(db())
    tabs = ((REQUEST_INCOMPLETE,) if counts.get(REQUEST_INCOMPLETE) else ()) + QUEUE_TABS
    status = request.args.get("status", REQUEST_CHECKING, type=int)
    if status not in tabs:
        status = REQUEST_CHECKING
    return render_template("queue.html", tabs=tabs, counts=counts, status=status,
                           requests=listing.requests_in(db(), status, local_today()),
                           limit=listing.QUEUE_LIMIT)


@bp.get("/permohonan/<int:request_id>")
def detail(request_id: int):
    """One request: the resident, the answers, and what this staff member may do now."""
    view = listing.request_view(db(), request_id, local_today())
    if view is None:
        abort(404)
    return render_template("request.html", req=view, actions=actions_for(view.status, g.staff),
                           reject=REJECT, with_document=WITH_DOCUMENT)


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
        session.commit()
    except (ActionRefused, issuing.IssueError) as refusal:
        session.rollback()
        metrics.CONSOLE_ACTIONS.labels(action.name, "refused").inc()
        flash(str(refusal), "error")
    else:
        metrics.CONSOLE_ACTIONS.labels(action.name, "done").inc()
        flash(action.done.format(id=request_id), "info")
    return redirect(url_for("views.detail", request_id=request_id))


@bp.get("/permohonan/<int:request_id>/surat.pdf")
def letter_pdf(request_id: int):
    """The issued letter, for a request that is ready or collected."""
    view = listing.request_view(db(), request_id, local_today())
    if view is None or view.status not in WITH_DOCUMENT:
        abort(404)
    document = db().scalars(
        select(LetterDocument).where(LetterDocument.request_id == request_id)).first()
    if document is None:
        abort(404)
    response = current_app.response_class(document.pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=document.file_name)
    return response
