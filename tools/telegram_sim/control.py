"""The residents' side and the test hooks: a JSON API under /sim/ (no token).

    POST /sim/updates   {"user": {...}, "text": "..."}                       a resident writes
                        {"user": {...}, "photo": {"data_base64", "caption"?, "file_size"?}}
                        {"user": {...}, "document": {"data_base64", "file_name",
                                                     "mime_type"?, "caption"?, "file_size"?}}
                        {"user": {...}, "location": {"latitude", "longitude",
                                                     "horizontal_accuracy"?}}  (media.py)
                        {"user": {...}, "callback_data": "...", "message_id"?: M}  taps a button
                        {"update": {...}}                                  a raw update, as is
    GET  /sim/messages?chat_id=&after=&wait=   what the bot sent (long-polls up to wait s)
    GET  /sim/conversation?chat_id=&after=&wait=&generation=
                                               both sides of the chats, edits included
    GET  /sim/users                            the residents the chat page can be
    POST /sim/users     {"first_name", "last_name"?, "username"?, "language_code"?}  a new one
    GET  /sim/bot?chat_id=&language_code=      name, descriptions, command menu for that chat
    GET  /sim/callbacks/<id>?wait=             the bot's answer to a callback query
    GET  /sim/calls?after=                     every Bot API call, with status and description
    GET  /sim/webhook                          getWebhookInfo plus delivery counters
    GET  /sim/files/<file_id>                  a file's bytes (a document, a photo size)
    GET  /sim/chats                            the chats residents started
    POST /sim/faults    {"error_code": 429, "description": "...", "retry_after"?, "method"?,
                         "chat_id"?, "chat_ids"?, "times"?: 1, "seconds"?}
                        {"kind": "timeout", "seconds"?, "delay"?: 60, ...}
                                               make matching Bot API calls fail (faults.py)
    GET  /sim/faults, DELETE /sim/faults       the faults in force; forget them
    GET  /sim/limits                           flood limits, sends accepted, 429s answered
    POST /sim/limits    {"private_burst": 5, ...}  change some of them (limits.py)
    POST /sim/reset                            forget chats, messages, files, calls, pending
                                               updates, faults, flood counters
"""

from __future__ import annotations

import io

from flask import Blueprint, current_app, jsonify, request, send_file

from tools.telegram_sim.objects import BadInput
from tools.telegram_sim.profile import bot_profile

MAX_WAIT = 60.0
# What one POST /sim/updates does: a raw update, a tap, or a message with one kind of content.
ACTIONS = ("text", "photo", "document", "location", "callback_data", "update")
bp = Blueprint("control", __name__, url_prefix="/sim")


def _sim():
    return current_app.extensions["telegram_sim"]


@bp.errorhandler(BadInput)
def _bad_input(error: BadInput):
    return jsonify({"error": str(error)}), 400


def _number(name: str, kind: type, default):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise BadInput(f"{name} must be a number") from None


def _wait() -> float:
    """The `wait` argument of a long poll, in seconds, at most MAX_WAIT."""
    return min(max(_number("wait", float, 0.0), 0.0), MAX_WAIT)


@bp.post("/updates")
def post_update():
    """Make an update from a resident's action (or take a raw one) and queue it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("expected a JSON object")
    sim = _sim()
    actions = [name for name in ACTIONS if name in body]
    if len(actions) != 1:
        raise BadInput(f"give one of {', '.join(ACTIONS)}"
                       + (f", not {' and '.join(actions)} together" if actions else ""))
    action = actions[0]
    if action == "update":
        update = sim.inject(body["update"])
    elif action == "callback_data":
        update = sim.resident_tap(body.get("user"), body["callback_data"], body.get("message_id"))
    elif action == "text":
        update = sim.resident_text(body.get("user"), body["text"])
    else:
        update = sim.resident_attachment(body.get("user"), action, body[action])
    if update is None:
        return jsonify({"update_id": None, "filtered": "not in allowed_updates"})
    answer = {"update_id": update.get("update_id")}
    if "callback_query" in update and isinstance(update["callback_query"], dict):
        answer["callback_query_id"] = update["callback_query"].get("id")
    return jsonify(answer)


@bp.get("/messages")
def messages():
    """Bot messages with seq > after, waiting up to `wait` seconds for the first."""
    wait = _wait()
    found = _sim().store.sent_after(_number("after", int, 0), _number("chat_id", int, None), wait)
    return jsonify({"messages": found})


@bp.get("/conversation")
def conversation():
    """Both sides of the chats (of chat_id) with seq > after, waiting up to `wait` s.

    `generation` changes when the simulator is reset or restarted: start again from after=0.
    A reader that passes the generation it knows is answered at once if it has changed, even
    when the reset came between two of its polls.
    """
    wait = _wait()
    found, generation = _sim().store.conversation_after(
        _number("after", int, 0), _number("chat_id", int, None), wait,
        request.args.get("generation") or None)
    return jsonify({"messages": found, "generation": generation})


@bp.get("/users")
def users():
    """The residents the chat page can be."""
    return jsonify({"users": _sim().personas.all()})


@bp.post("/users")
def add_user():
    """Make a new resident; the simulator gives the user id."""
    user = _sim().personas.add(request.get_json(silent=True))
    return jsonify(user), 201


@bp.get("/bot")
def bot():
    """The bot as the resident's app shows it in one chat, in one language."""
    language = request.args.get("language_code", "")
    return jsonify(bot_profile(_sim(), _number("chat_id", int, None), language))


@bp.get("/callbacks/<query_id>")
def callback(query_id: str):
    """Whether the bot answered a callback query and how, waiting up to `wait` s."""
    wait = _wait()
    answer = _sim().store.callback_answer(query_id, wait)
    if answer is None:
        return jsonify({"error": "no such callback query"}), 404
    return jsonify(answer)


@bp.get("/calls")
def calls():
    """Every Bot API call with seq > after."""
    return jsonify({"calls": _sim().store.calls_after(_number("after", int, 0))})


@bp.get("/webhook")
def webhook():
    """getWebhookInfo's fields plus delivered / attempts / failures."""
    sim = _sim()
    return jsonify({**sim.queue.info(), **sim.queue.counters()})


@bp.get("/files/<file_id>")
def file(file_id: str):
    """A file's bytes: a document downloads with its file name, a photo shows inline."""
    stored = _sim().store.files.get(file_id)
    if stored is None:
        return jsonify({"error": "no such file"}), 404
    return send_file(io.BytesIO(stored.data), mimetype=stored.mime_type,
                     as_attachment=stored.is_document, download_name=stored.file_name)


@bp.get("/chats")
def chats():
    """The chats residents started."""
    return jsonify({"chats": _sim().store.chats()})


@bp.post("/faults")
def add_fault():
    """Make matching Bot API calls fail: the next `times` ones, or for `seconds`."""
    try:
        fault = _sim().faults.add(request.get_json(silent=True))
    except ValueError as error:
        raise BadInput(str(error)) from None
    return jsonify({"ok": True, "fault": fault})


@bp.get("/faults")
def faults():
    """The faults still in force."""
    return jsonify({"faults": _sim().faults.active()})


@bp.delete("/faults")
def clear_faults():
    """Forget every fault."""
    _sim().faults.clear()
    return jsonify({"ok": True})


@bp.get("/limits")
def limits():
    """The flood limits' settings, sends accepted, 429s answered and the latest 429s."""
    return jsonify(_sim().limiter.report())


@bp.post("/limits")
def change_limits():
    """Change some of the flood limits' settings; the buckets start again full."""
    limiter = _sim().limiter
    try:
        limiter.configure(limiter.limits.changed(request.get_json(silent=True)))
    except (TypeError, ValueError) as error:
        raise BadInput(str(error)) from None
    return jsonify(limiter.report())


@bp.post("/reset")
def reset():
    """Forget chats, messages, calls, pending updates, faults and flood counters (the webhook
    and the limits' settings stay)."""
    _sim().reset()
    return jsonify({"ok": True})
