"""Akun Saya: a staff member's own account, and the link of their own Telegram account to it
(services/letter_service/staff_link.py). The code is shown once, on the page the button
returns, and works once for STAFF_LINK_MINUTES; pressing again replaces it."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for

from libs.siades.bot_models import AuditEntry
from libs.siades.coltypes import utcnow
from libs.vocabulary.staff import STOP, WORD
from services.letter_service import staff_link
from services.letter_service.console.auth import client_address
from services.letter_service.console.database import db

bp = Blueprint("account", __name__)

CODE_SHOWN = "staff_link_code"  # the audit log's action: a code was made (never the code)


@bp.get("/akun")
def account():
    """The staff member's account: name, role, password, Telegram link."""
    return render_account()


def render_account(code: str | None = None, expires_at=None):
    """The account page, with a fresh linking code when one was just made."""
    return render_template("account.html", code=code, expires_at=expires_at, word=WORD,
                           stop=STOP)


@bp.post("/akun/telegram")
def link_code():
    """A fresh one-time code to send to the bot; earlier codes stop working."""
    minutes = current_app.extensions["settings"].staff_link_minutes
    now = utcnow()
    code = staff_link.new_code(db(), g.staff, now, minutes)
    db().add(AuditEntry(at=now, actor=g.staff.username, action=CODE_SHOWN,
                        detail=json.dumps({"minutes": minutes, "address": client_address()})))
    db().commit()
    return render_account(code, now + timedelta(minutes=minutes))


@bp.post("/akun/telegram/putuskan")
def unlink():
    """Forget the staff member's own Telegram chat: no more alerts there."""
    if staff_link.unlink(db(), g.staff, g.staff.username, utcnow()):
        db().commit()
        flash("Akun Telegram Anda tidak terhubung lagi; pemberitahuan kantor tidak dikirim ke "
              "sana.", "info")
    else:
        flash("Akun Anda memang tidak terhubung dengan Telegram.", "info")
    return redirect(url_for("account.account"))
