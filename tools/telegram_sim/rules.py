"""Telegram's rules for parameters that the spec's types cannot say (checked after the types)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from tools.telegram_sim.errors import bad_request

INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
_BUTTON_URL = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_COMMANDS = 100


def check_call(params: dict[str, Any]) -> None:
    """Raise ApiError(400) where a well-typed parameter still breaks one of Telegram's rules."""
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button)
    if "commands" in params:
        _check_commands(params["commands"])
    if "secret_token" in params and not _SECRET.fullmatch(params["secret_token"]):
        raise bad_request("secret token contains unallowed characters")


def _check_inline_button(button: dict) -> None:
    actions = [name for name in INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "url" in actions and not _BUTTON_URL.fullmatch(button["url"]):
        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: "
                          "Wrong HTTP URL")
    if "url" in actions and not button_host_accepted(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def button_host_accepted(url: str) -> bool:
    """Telegram refuses a button's http(s) URL whose host has no dot (`http://localhost`,
    `http://konsol:8090`); a dotted name or an IPv4 address is taken."""
    parts = urlsplit(url)
    return parts.scheme.lower() not in ("http", "https") or "." in (parts.hostname or "")


def _check_commands(commands: list[dict]) -> None:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
