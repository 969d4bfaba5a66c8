"""The webhook blueprint: authenticate, parse, publish with a confirm, and only then answer 200."""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, current_app, jsonify, request

from libs import metrics
from libs.errors import ServiceError
from services.gateway.ingest import accept
from services.gateway.updates import InvalidUpdate

bp = Blueprint("webhook", __name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@bp.post("/telegram/webhook")
def receive_update():
    """Telegram delivers one Update here; 200 means it is safely in the broker."""
    settings = current_app.extensions["settings"]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), settings.telegram_webhook_secret.encode()):
        metrics.REFUSED.labels("unauthorized").inc()
        return _error(401, "wrong or missing secret token")

    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # Recursion: nested too deep
        metrics.REFUSED.labels("not_json").inc()
        return _error(400, "body is not JSON")
    try:
        command = accept(raw, current_app.extensions["publisher"])
    except InvalidUpdate as exc:
        return _error(400, str(exc))
    except ServiceError:  # logged by accept
        return _error(503, "message broker unavailable, retry later")
    if command is None:
        return jsonify(ok=True, ignored=True)
    return jsonify(ok=True)


@bp.get("/healthz")
def healthz():
    """Whether this gateway can reach the broker right now."""
    if current_app.extensions["publisher"].is_reachable():
        return jsonify(status="ok", broker="reachable")
    return jsonify(status="degraded", broker="unreachable"), 503


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus metrics of every gunicorn worker of this gateway."""
    return Response(metrics.exposition(), mimetype=metrics.CONTENT_TYPE_LATEST)


def _error(status: int, description: str):
    return jsonify(ok=False, error=description), status
