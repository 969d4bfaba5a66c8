"""The Bot API methods the simulator answers, by lower-cased name (Telegram ignores case)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import urlparse

from tools.telegram_sim import sending
from tools.telegram_sim.errors import bad_request
from tools.telegram_sim.files import MAX_DOWNLOAD
from tools.telegram_sim.objects import get_me
from tools.telegram_sim.updates import DEFAULT_MAX_CONNECTIONS, Webhook

MAX_POLL_SECONDS = 50  # Telegram cuts long polls at 50 s
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class Described(NamedTuple):
    """A result that Telegram sends with a description (setWebhook, deleteWebhook)."""

    result: Any
    description: str


def _get_me(sim, params: dict) -> dict:
    return get_me(sim.token)


def _set_webhook(sim, params: dict) -> Described:
    url = params.get("url", "")
    if not url:
        return _delete_webhook(sim, params)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    max_connections = params.get("max_connections") or DEFAULT_MAX_CONNECTIONS
    hook = Webhook(url, params.get("secret_token"), min(max(max_connections, 1), 100))
    changed = sim.queue.set_webhook(hook, params.get("allowed_updates"),
                                    params.get("drop_pending_updates", False))
    sim.delivery.start()
    return Described(True, "Webhook was set" if changed else "Webhook is already set")


def _delete_webhook(sim, params: dict) -> Described:
    had = sim.queue.delete_webhook(params.get("drop_pending_updates", False))
    return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")


def _get_webhook_info(sim, params: dict) -> dict:
    return sim.queue.info()


def _get_updates(sim, params: dict) -> list[dict]:
    limit = params.get("limit", 100)
    limit = 100 if limit <= 0 else min(limit, 100)
    timeout = min(max(params.get("timeout", 0), 0), MAX_POLL_SECONDS)
    return sim.queue.get_updates(params.get("offset"), limit, timeout,
                                 params.get("allowed_updates"))


def _answer_callback_query(sim, params: dict) -> bool:
    answer = {k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params}
    if not sim.store.answer_callback(params["callback_query_id"], answer):
        raise bad_request(QUERY_INVALID)
    return True


def _commands_key(params: dict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code", "")


def _set_my_commands(sim, params: dict) -> bool:
    sim.store.commands[_commands_key(params)] = params["commands"]
    return True


def _get_my_commands(sim, params: dict) -> list[dict]:
    return sim.store.commands.get(_commands_key(params), [])


def _set_my_description(sim, params: dict) -> bool:
    sim.store.descriptions[params.get("language_code", "")] = params.get("description", "")
    return True


def _get_my_description(sim, params: dict) -> dict:
    return {"description": sim.store.descriptions.get(params.get("language_code", ""), "")}


def _set_my_short_description(sim, params: dict) -> bool:
    language = params.get("language_code", "")
    sim.store.short_descriptions[language] = params.get("short_description", "")
    return True


def _get_my_short_description(sim, params: dict) -> dict:
    language = params.get("language_code", "")
    return {"short_description": sim.store.short_descriptions.get(language, "")}


def _get_file(sim, params: dict) -> dict:
    stored = sim.store.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.file()


HANDLERS = {
    "getme": _get_me,
    "setwebhook": _set_webhook,
    "deletewebhook": _delete_webhook,
    "getwebhookinfo": _get_webhook_info,
    "getupdates": _get_updates,
    "sendmessage": sending.send_message,
    "senddocument": sending.send_document,
    "answercallbackquery": _answer_callback_query,
    "setmycommands": _set_my_commands,
    "getmycommands": _get_my_commands,
    "setmydescription": _set_my_description,
    "getmydescription": _get_my_description,
    "setmyshortdescription": _set_my_short_description,
    "getmyshortdescription": _get_my_short_description,
    "editmessagetext": sending.edit_message_text,
    "editmessagereplymarkup": sending.edit_message_reply_markup,
    "getfile": _get_file,
}
