"""Logging in and out; every other page needs a logged-in, active staff member whose session
is neither idle nor too old, and who has no password to change first."""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.security import check_password_hash

from libs import metrics
from libs.siades.accounts import hash_password
from libs.siades.bot_models import AuditEntry, Staff
from libs.siades.coltypes import utcnow
from services.letter_service.console import throttle
from services.letter_service.console.database import db

bp = Blueprint("auth", __name__)

SESSION_HOURS = 10  # a working day after logging in; then log in again
LOGIN_FAILED = "Nama pengguna atau kata sandi salah."
LOCKED = ("Terlalu banyak percobaan masuk yang gagal. Demi keamanan, coba lagi dalam "
          "{minutes} menit.")
IDLE = "Anda otomatis keluar karena tidak ada aktivitas selama {minutes} menit. Silakan masuk lagi."
TOO_OLD = f"Sesi Anda sudah berlangsung {SESSION_HOURS} jam. Silakan masuk lagi."
PASSWORD_CHANGED = "Kata sandi akun Anda telah diganti. Silakan masuk dengan kata sandi yang baru."
NO_ACCOUNT = "-"  # the audit actor of a failed login: nobody is logged in
PUBLIC_ENDPOINTS = ("auth.login", "static", "prometheus_metrics", "healthz")
# What a staff member who must choose a new password may still open.
PASSWORD_FIRST_ENDPOINTS = ("staff.password", "auth.logout", "static")
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("not a password")


def require_login():
    """Before every request: load the logged-in staff member into g.staff, else go log in
    (saying why a session ended); a password to change comes before anything else."""
    g.staff = None
    if "staff_id" in session:
        staff, ended = session_staff()
        if staff is None:
            session.clear()
            if ended:
                flash(ended, "info")
        else:
            g.staff = staff
            session["seen"] = int(time.time())
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if (g.staff is not None and g.staff.must_change_password
            and request.endpoint not in PASSWORD_FIRST_ENDPOINTS):
        return redirect(url_for("staff.password"))
    return None


def session_staff() -> tuple[Staff | None, str | None]:
    """The session's staff member, or None and why the session ended (None: no reason to
    give, e.g. a disabled account)."""
    now = time.time()
    idle_minutes = current_app.extensions["settings"].console_idle_minutes
    if now - session.get("seen", 0) > idle_minutes * 60:
        return None, IDLE.format(minutes=f"{idle_minutes:g}")
    if now - session.get("since", 0) > SESSION_HOURS * 3600:
        return None, TOO_OLD
    staff = db().get(Staff, session["staff_id"])
    if staff is None or not staff.active:
        return None, None
    if session.get("stamp") != password_stamp(staff):
        return None, PASSWORD_CHANGED
    return staff, None


def password_stamp(staff: Staff) -> str:
    """A fingerprint of the staff member's password hash: a session made before a password
    change (or reset) no longer matches it."""
    return hashlib.sha256(staff.password_hash.encode()).hexdigest()[:16]


def start_session(staff: Staff) -> None:
    """A fresh session for this staff member (never the one from before the login)."""
    session.clear()
    session.permanent = True
    now = int(time.time())
    session.update(staff_id=staff.id, stamp=password_stamp(staff), since=now, seen=now)


def authenticate(username: str, password: str) -> Staff | None:
    """The active staff member with this username and password, else None."""
    staff = db().scalars(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(staff.password_hash, password) or not staff.active:
        return None
    return staff


def client_address() -> str:
    """The client's IP address: the TCP peer's, or X-Forwarded-For's where
    CONSOLE_TRUSTED_PROXIES says proxies are in front (ProxyFix, in app.py)."""
    return (request.remote_addr or "")[:45]


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    """The login form; on success a fresh session and back to where the user was going.
    Too many failures for the username or the address: refused without checking."""
    if request.method == "GET":
        return render_template("login.html", username="")
    username = request.form.get("username", "").strip()[:64]
    address = client_address()
    limits = throttle.Limits.from_settings(current_app.extensions["settings"])
    now = utcnow()
    wait = throttle.locked_for(db(), username, address, now, limits)
    if wait is not None:
        return refuse(username, address, "locked", wait)
    staff = authenticate(username, request.form.get("password", ""))
    throttle.record(db(), username, address, staff is not None, now, limits)
    if staff is None:
        return refuse(username, address, "wrong_password",
                      throttle.locked_for(db(), username, address, now, limits))
    metrics.CONSOLE_LOGINS.labels("ok").inc()
    start_session(staff)
    db().add(AuditEntry(at=now, actor=staff.username, action="login",
                        detail=json.dumps({"address": address})))
    db().commit()
    return redirect(safe_next(request.args.get("next")))


def refuse(username: str, address: str, cause: str, wait: timedelta | None):
    """The login page again, after a failure (audited, counted); with how long to wait when
    the username or address is now locked."""
    metrics.CONSOLE_LOGINS.labels("locked" if cause == "locked" else "failed").inc()
    db().add(AuditEntry(at=utcnow(), actor=NO_ACCOUNT, action="login_failed",
                        detail=json.dumps({"username": username, "address": address,
                                           "cause": cause}, ensure_ascii=False)))
    db().commit()
    if wait is None:
        flash(LOGIN_FAILED, "error")
        return render_template("login.html", username=username), 401
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    flash(LOCKED.format(minutes=minutes), "error")
    response = current_app.make_response((render_template("login.html", username=username), 429))
    response.headers["Retry-After"] = str(int(wait.total_seconds()) + 1)
    return response


@bp.post("/keluar")
def logout():
    """Forget who is logged in."""
    if g.staff is not None:
        db().add(AuditEntry(at=utcnow(), actor=g.staff.username, action="logout",
                            detail=json.dumps({"address": client_address()})))
        db().commit()
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//elsewhere` or a full URL) is followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("views.queue")
