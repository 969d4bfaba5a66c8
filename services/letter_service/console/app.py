"""Application factory of the staff console: server-rendered pages, plain forms, no JS."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from libs import metrics
from libs.config import Settings
from services.letter_service.console import (
    account,
    audit,
    auth,
    complaints,
    filters,
    reports,
    residents,
    staff,
    views,
)
from services.letter_service.console.actions import ACTIONS, CORRECT
from services.letter_service.console.database import Sessions, close_db, db


def require_secret(settings: Settings) -> None:
    """Refuse to run without a session key: the cookie that says who is logged in is signed
    with it."""
    if not settings.console_secret_key:
        raise SystemExit(
            "CONSOLE_SECRET_KEY is not set: the staff console signs its login cookie with it. "
            "Set it to a long random string, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'."
        )


def create_console(settings: Settings | None = None,
                   session_factory: sessionmaker[Session] | None = None) -> Flask:
    """The console app; database sessions are opened per request, lazily, and closed after."""
    settings = settings or Settings.from_env()
    require_secret(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.console_secret_key,
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=auth.SESSION_HOURS),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["settings"] = settings
    app.extensions["console_sessions"] = session_factory or Sessions(settings)
    CSRFProtect(app)
    filters.register(app, settings.timezone)

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(residents.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(account.bp)
    app.before_request(auth.require_login)
    app.teardown_appcontext(close_db)
    app.after_request(security_headers)
    register_error_pages(app)
    # For Prometheus and Docker, without a login: counts only, never a name or a request.
    app.add_url_rule("/metrics", "prometheus_metrics", prometheus_metrics)
    app.add_url_rule("/healthz", "healthz", healthz)
    metrics.show_console((*ACTIONS, CORRECT))
    if settings.console_trusted_proxies:
        # The client address (login throttling, the audit) from X-Forwarded-For, as set by
        # that many proxies in front; without them that header is the client's to forge.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.console_trusted_proxies)
    return app


def healthz() -> tuple[str, int]:
    """200 while the database answers, 503 with the reason when it does not."""
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}\n", 503
    return "ok\n", 200


def prometheus_metrics() -> Response:
    """Prometheus metrics of every gunicorn worker of this console."""
    return Response(metrics.exposition(), mimetype=metrics.CONTENT_TYPE_LATEST)


def security_headers(response):
    """Pages show residents' personal data: no caching, no framing, no sniffing."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'")
    return response


def register_error_pages(app: Flask) -> None:
    """Errors in Bahasa Indonesia, on the console's own page."""

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        message = "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."
        return render_template("error.html", message=message), 400

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("error.html", message="Halaman tidak ditemukan."), 404

    @app.errorhandler(403)
    def forbidden(_error):
        return render_template("error.html", message="Anda tidak berhak membuka ini."), 403

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("error.html", message="Isian terlalu panjang."), 413
