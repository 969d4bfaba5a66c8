"""Logging in and out; every other page needs a logged-in, active staff member."""

from __future__ import annotations

import json

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from libs import metrics
from libs.siades.bot_models import AuditEntry, Staff
from libs.siades.coltypes import utcnow
from services.letter_service.console.database import db

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Nama pengguna atau kata sandi salah"
PUBLIC_ENDPOINTS = ("auth.login", "static", "prometheus_metrics", "healthz")
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


def require_login():
    """Before every request: load the logged-in staff member into g.staff, else go log in."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is not None:
        staff = db().get(Staff, staff_id)
        if staff is not None and staff.active:
            g.staff = staff
        else:
            session.clear()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def authenticate(username: str, password: str) -> Staff | None:
    """The active staff member with this username and password, else None."""
    staff = db().scalars(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(staff.password_hash, password) or not staff.active:
        return None
    return staff


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    """The login form; on success a fresh session and back to where the user was going."""
    if request.method == "GET":
        return render_template("login.html", username="")
    username = request.form.get("username", "").strip()
    staff = authenticate(username, request.form.get("password", ""))
    metrics.CONSOLE_LOGINS.labels("failed" if staff is None else "ok").inc()
    if staff is None:
        flash(LOGIN_FAILED, "error")
        return render_template("login.html", username=username), 401
    session.clear()
    session.permanent = True
    session["staff_id"] = staff.id
    db().add(AuditEntry(at=utcnow(), actor=staff.username, action="login",
                        detail=json.dumps({"staff_id": staff.id})))
    db().commit()
    return redirect(safe_next(request.args.get("next")))


@bp.post("/keluar")
def logout():
    """Forget who is logged in."""
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//elsewhere` or a full URL) is followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("views.queue")
