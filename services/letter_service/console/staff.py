"""Staff accounts in the console: the Kepala Desa lists, creates, disables and enables them,
resets their passwords and unlinks their Telegram accounts; every staff member changes their
own password. Every change is audited.

The rules are those of `create-staff` (libs/siades/accounts.py). A new account and a reset
password must be changed at the next login (`must_change_password`): whoever set it knows it.
The Kepala Desa cannot disable their own account, nor the last active Kepala Desa (letters
could no longer be signed).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from libs.siades.accounts import (
    MAX_FULL_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    password_problem,
    temporary_password,
    username_problem,
)
from libs.siades.bot_models import STAFF_HEAD, STAFF_ROLES, AuditEntry, Staff
from libs.siades.coltypes import utcnow
from services.letter_service import staff_link
from services.letter_service.console.auth import client_address, password_stamp
from services.letter_service.console.database import db

bp = Blueprint("staff", __name__)


class Refused(ValueError):
    """A change the rules do not allow; the message is for the staff member, in Indonesian."""


@bp.before_request
def only_the_head():
    """The accounts pages are the Kepala Desa's; one's own password is everybody's."""
    if request.endpoint != "staff.password" and g.staff.role != STAFF_HEAD:
        abort(403)


@bp.get("/staf")
def accounts():
    """Every account, active ones first, with the form for a new one."""
    return render_accounts({})


def render_accounts(form: dict, status: int = 200):
    """The accounts page, the new-account form filled with `form`."""
    staff = db().scalars(select(Staff).order_by(Staff.active.desc(), Staff.full_name))
    return render_template("staff.html", accounts=list(staff), form=form, roles=STAFF_ROLES,
                           min_length=MIN_PASSWORD_LENGTH), status


@bp.post("/staf")
def create():
    """A new account with the password the Kepala Desa typed, to be changed at first login."""
    form = {key: request.form.get(key, "").strip() for key in ("username", "full_name", "role")}
    try:
        member = new_account(db(), form, request.form.get("password", ""))
    except Refused as refusal:
        db().rollback()
        flash(str(refusal), "error")
        return render_accounts(form, 400)
    audit("staff_created", {"staff_id": member.id, "role": member.role})
    flash(f"Akun {member.username} ({member.full_name}) dibuat. Berikan kata sandi awalnya "
          "kepada yang bersangkutan; ia harus menggantinya saat pertama masuk.", "info")
    return redirect(url_for("staff.accounts"))


def new_account(session: Session, form: dict, password: str) -> Staff:
    """Add the account the form describes, after checking it against the rules."""
    username, full_name, role = form["username"], form["full_name"], form["role"]
    problem = (username_problem(username) or password_problem(username, password)
               or name_problem(full_name))
    if problem:
        raise Refused(problem)
    if role not in STAFF_ROLES:
        raise Refused("Pilih peran akun.")
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise Refused(f"Nama pengguna {username} sudah dipakai.")
    member = Staff(username=username, full_name=full_name, role=role, active=True,
                   password_hash=hash_password(password), must_change_password=True)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:  # made by another request meanwhile
        raise Refused(f"Nama pengguna {username} sudah dipakai.") from None
    return member


def name_problem(full_name: str) -> str | None:
    """Why this full name may not be an account's; None if it may."""
    if not full_name:
        return "Nama lengkap wajib diisi."
    if len(full_name) > MAX_FULL_NAME_LENGTH:
        return f"Nama lengkap paling banyak {MAX_FULL_NAME_LENGTH} karakter."
    return None


@bp.post("/staf/<int:staff_id>/nonaktifkan")
def disable(staff_id: int):
    """Disable an account: it can no longer log in, and its open sessions end."""
    member = account_or_404(staff_id)
    try:
        check_may_disable(db(), member, g.staff)
    except Refused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("staff.accounts"))
    member.active = False
    audit("staff_disabled", {"staff_id": member.id})
    flash(f"Akun {member.username} ({member.full_name}) dinonaktifkan.", "info")
    return redirect(url_for("staff.accounts"))


def check_may_disable(session: Session, member: Staff, by: Staff) -> None:
    """Refuse disabling oneself, or the last active Kepala Desa (who alone signs letters)."""
    if member.id == by.id:
        raise Refused("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    if member.role == STAFF_HEAD and member.active:
        # Locked, so that two Kepala Desa disabling each other at once cannot both succeed.
        heads = session.scalars(select(Staff.id).where(
            Staff.role == STAFF_HEAD, Staff.active.is_(True)).with_for_update()).all()
        if len(heads) <= 1:
            raise Refused("Ini satu-satunya akun Kepala Desa yang aktif; tanpa akun ini tidak "
                          "ada yang dapat menandatangani surat.")


@bp.post("/staf/<int:staff_id>/aktifkan")
def enable(staff_id: int):
    """Enable a disabled account again."""
    member = account_or_404(staff_id)
    member.active = True
    audit("staff_enabled", {"staff_id": member.id})
    flash(f"Akun {member.username} ({member.full_name}) diaktifkan kembali.", "info")
    return redirect(url_for("staff.accounts"))


@bp.post("/staf/<int:staff_id>/atur-ulang-sandi")
def reset_password(staff_id: int):
    """A new temporary password, shown this once; the account must change it at next login,
    and its open sessions end."""
    member = account_or_404(staff_id)
    password = temporary_password()
    member.password_hash = hash_password(password)
    member.must_change_password = True
    audit("staff_password_reset", {"staff_id": member.id})
    if member.id == g.staff.id:
        session["stamp"] = password_stamp(member)
    return render_template("staff_reset.html", member=member, password=password)


@bp.post("/staf/<int:staff_id>/putuskan-telegram")
def unlink_telegram(staff_id: int):
    """Forget an account's Telegram chat (a lost phone, a colleague who left): no more alerts
    go there."""
    member = account_or_404(staff_id)
    if staff_link.unlink(db(), member, g.staff.username, utcnow()):
        db().commit()
        flash(f"Telegram akun {member.username} ({member.full_name}) diputus; pemberitahuan "
              "kantor tidak dikirim ke sana lagi.", "info")
    else:
        flash(f"Akun {member.username} memang tidak terhubung dengan Telegram.", "info")
    return redirect(url_for("staff.accounts"))


def account_or_404(staff_id: int) -> Staff:
    """The account of the URL, or 404."""
    member = db().get(Staff, staff_id)
    if member is None:
        abort(404)
    return member


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
def password():
    """Change one's own password: the current one, the new one twice."""
    if request.method == "GET":
        return render_template("password.html", min_length=MIN_PASSWORD_LENGTH)
    me = g.staff
    new = request.form.get("new_password", "")
    problem = (None if check_password_hash(me.password_hash, request.form.get("password", ""))
               else "Kata sandi saat ini salah.")
    problem = problem or password_problem(me.username, new)
    if not problem and new != request.form.get("new_password_again", ""):
        problem = "Kata sandi baru dan ulangannya berbeda."
    if not problem and check_password_hash(me.password_hash, new):
        problem = "Kata sandi baru harus berbeda dari yang sekarang."
    if problem:
        flash(problem, "error")
        return render_template("password.html", min_length=MIN_PASSWORD_LENGTH), 400
    me.password_hash = hash_password(new)
    me.must_change_password = False
    audit("password_changed", {})
    session["stamp"] = password_stamp(me)
    flash("Kata sandi Anda sudah diganti.", "info")
    return redirect(url_for("views.home"))


def audit(action: str, detail: dict) -> None:
    """Write the audit entry of a change by the logged-in staff member, and commit both."""
    detail = {**detail, "address": client_address()}
    db().add(AuditEntry(at=utcnow(), actor=g.staff.username, action=action,
                        detail=json.dumps(detail, ensure_ascii=False)))
    db().commit()
