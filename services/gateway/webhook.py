"""The webhook blueprint: authenticate, parse, publish with a confirm, and only then answer 200."""

from __future__ import annotations

import hmac
import json
import logging

from flask import Blueprint, current_app, jsonify, request

from libs import topology
from libs.contracts import encode
from libs.errors import ServiceError
from services.gateway.updates import InvalidUpdate, parse_update

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@bp.post("/telegram/webhook")
def receive_update():
    """Telegram delivers one Update here; 200 means it is safely in the broker."""
    settings = current_app.extensions["settings"]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), settings.telegram_webhook_secret.encode()):
        return _error(401, "wrong or missing secret token")

    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "body is not JSON")
    try:
        command = parse_update(raw)
    except InvalidUpdate as exc:
        return _error(400, str(exc))
    if command is None:
        log.info("update %s ignored: not a kind we serve", raw.get("update_id"))
        return jsonify(ok=True, ignored=True)

    publisher = current_app.extensions["publisher"]
    try:
        publisher.publish(
            topology.COMMANDS_EXCHANGE, command.routing_key, encode(command), command.message_id
        )
    except ServiceError as exc:
        log.warning("update %s not accepted, broker said: %s", command.update_id, exc)
        return _error(503, "message broker unavailable, retry later")
    log.info("update %s -> %s", command.update_id, command.routing_key)
    return jsonify(ok=True)


@bp.get("/healthz")
def healthz():
    """Whether this gateway can reach the broker right now."""
    if current_app.extensions["publisher"].is_reachable():
        return jsonify(status="ok", broker="reachable")
    return jsonify(status="degraded", broker="unreachable"), 503


def _error(status: int, description: str):
    return jsonify(ok=False, error=description), status
