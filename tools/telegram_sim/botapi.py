"""The Bot API endpoint: `GET|POST /bot<token>/<method>`, answered in Telegram's envelope, and
the file server: `GET /file/bot<token>/<file_path>` (file_path from getFile)."""

from __future__ import annotations

import io
import logging
import re
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from tools.telegram_sim.errors import ApiError, FrontEndError
from tools.telegram_sim.files import MAX_DOWNLOAD
from tools.telegram_sim.methods import HANDLERS, Described
from tools.telegram_sim.params import coerce_params, read_params
from tools.telegram_sim.rules import check_call

log = logging.getLogger(__name__)
bp = Blueprint("botapi", __name__)
_INTEGER = re.compile(r"[+-]?\d+")


@bp.route("/bot<token>/<method>", methods=["GET", "POST"])
def call(token: str, method: str):
    """Run one Bot API call and log it (without the token)."""
    sim = current_app.extensions["telegram_sim"]
    arrived = time.time()
    raw: dict[str, Any] = {}
    unreadable = None
    try:
        raw = read_params(request)
    except ApiError as error:
        unreadable = error
    except RequestEntityTooLarge:
        unreadable = ApiError(413, "Request Entity Too Large")
    detail = None
    try:
        result = _run(sim, token, method, raw, unreadable)
        status, body = 200, {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        response = jsonify(body)
    except FrontEndError as error:
        status, body, detail = error.code, {"description": error.description}, error.detail
        response = Response(error.page(), content_type="text/html")
    except ApiError as error:
        status, body, detail = error.code, error.envelope(), error.detail
        response = jsonify(body)
    description = body.get("description") if status != 200 else None
    chat_id = _chat_id(raw)
    sim.store.record_call({"time": arrived, "method": method,
                           **({"chat_id": chat_id} if chat_id is not None else {}),
                           "params": _loggable(raw), "status": status,
                           "description": description, "detail": detail})
    log.info("%s%s -> %s%s", method, _summary(raw), status,
             f" {description}" if description else "")
    return response, status


@bp.get("/file/bot<token>/<path:file_path>")
def download(token: str, file_path: str):
    """A file's bytes at the file_path getFile gave, as Telegram's file server serves them."""
    sim = current_app.extensions["telegram_sim"]
    if token != sim.token:
        return jsonify(ApiError(401, "Unauthorized").envelope()), 401
    stored = sim.store.files.at(file_path)
    if stored is None or stored.file_size > MAX_DOWNLOAD:
        return jsonify(ApiError(404, "Not Found").envelope()), 404
    log.info("file download %s -> 200", file_path)
    return send_file(io.BytesIO(stored.data), mimetype=stored.mime_type)


def _run(sim, token: str, method: str, raw: dict[str, Any], unreadable: ApiError | None) -> Any:
    if token != sim.token:
        raise ApiError(401, "Unauthorized")
    handler = HANDLERS.get(method.lower())
    if handler is None:
        raise ApiError(404, "Not Found")
    if unreadable is not None:
        raise unreadable
    params = coerce_params(sim.spec, method, raw)
    check_call(params)
    chat_id = params.get("chat_id")
    fault = sim.faults.take(method, chat_id)
    if fault is not None:
        if fault.kind == "timeout":
            sim.hang(fault.delay)  # then the front end gives up; the call is never done
        raise fault.error()
    if not method.lower().startswith("send"):  # only sends count against the flood limits
        return handler(sim, params)
    sim.limiter.take(method, chat_id)
    try:
        return handler(sim, params)
    except ApiError:
        sim.limiter.give_back(chat_id)  # nothing reached a chat
        raise


def _chat_id(raw: dict[str, Any]) -> Any:
    """The call's chat_id as given (a form's "1001" read as 1001), or None."""
    chat_id = raw.get("chat_id")
    if isinstance(chat_id, str) and _INTEGER.fullmatch(chat_id.strip()):
        return int(chat_id)
    return chat_id if isinstance(chat_id, int | str) else None


def _loggable(raw: dict[str, Any]) -> dict[str, Any]:
    """Parameters as received, an uploaded file shown by its name and size."""
    out = {}
    for name, value in raw.items():
        if isinstance(value, FileStorage):
            value.stream.seek(0, 2)
            value = {"filename": value.filename, "size": value.stream.tell()}
        out[name] = value
    return out


def _summary(raw: dict[str, Any]) -> str:
    chat_id = raw.get("chat_id")
    return f" chat_id={chat_id}" if chat_id is not None else ""


@bp.app_errorhandler(404)
def not_found(error):
    """Any other path answers like Telegram's server does."""
    return jsonify(ApiError(404, "Not Found").envelope()), 404
