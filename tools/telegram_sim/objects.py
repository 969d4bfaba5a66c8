"""The Telegram objects the simulator makes: users, chats, messages, callback queries."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from tools.telegram_sim.parsing import utf16_len

BOT_USERNAME = "desa_sim_bot"
BOT_FIRST_NAME = "Desa Sim"
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?(?![A-Za-z0-9_@])")
_USER_FIELDS = ("first_name", "last_name", "username", "language_code")


class BadInput(ValueError):
    """A resident action the control API cannot turn into a Telegram object."""


def now() -> int:
    """Unix time, as Telegram dates are."""
    return int(time.time())


def bot_user(token: str) -> dict:
    """The bot as it appears in `from` of its messages."""
    head = token.split(":", 1)[0]
    return {"id": int(head) if head.isdigit() else 123456, "is_bot": True,
            "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}


def get_me(token: str) -> dict:
    """getMe's answer: the bot user plus the fields only getMe returns."""
    return {**bot_user(token), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


def resident(data: Any) -> dict:
    """A User from the control API's `user` object; raises BadInput."""
    if not isinstance(data, dict):
        raise BadInput("user must be an object")
    user_id = data.get("id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise BadInput("user.id must be a positive integer")
    if not isinstance(data.get("first_name"), str) or not data["first_name"]:
        raise BadInput("user.first_name must be a non-empty string")
    user = {"id": user_id, "is_bot": False}
    for name in _USER_FIELDS:
        if data.get(name) is not None:
            if not isinstance(data[name], str):
                raise BadInput(f"user.{name} must be a string")
            user[name] = data[name]
    return user


def private_chat(user: dict) -> dict:
    """The private chat between a resident and the bot; its id is the user's."""
    chat = {"id": user["id"], "type": "private"}
    for name in ("first_name", "last_name", "username"):
        if name in user:
            chat[name] = user[name]
    return chat


def command_entities(text: str) -> list[dict]:
    """bot_command entities for every /command in text, like Telegram's clients detect."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[:m.start()]),
         "length": utf16_len(m.group())}
        for m in _COMMAND.finditer(text)
    ]


def text_fields(text: str) -> dict:
    """The Message fields of a resident's text: text, and entities for its /commands."""
    fields: dict[str, Any] = {"text": text}
    if entities := command_entities(text):
        fields["entities"] = entities
    return fields


def resident_message(message_id: int, user: dict, chat: dict, fields: dict) -> dict:
    """A resident's message with its content fields (text, photo, document, location...)."""
    return {"message_id": message_id, "from": user, "chat": chat, "date": now(), **fields}


def callback_query(user: dict, message: dict, data: str) -> dict:
    """A tap on an inline button of a bot message, with a fresh query id."""
    return {"id": str(secrets.randbits(63)), "from": user, "message": message,
            "chat_instance": str(-(abs(message["chat"]["id"]) * 2654435761 % 10**18)),
            "data": data}


def has_button(message: dict, data: str) -> bool:
    """Whether the message's inline keyboard has a button with that callback_data."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return any(button.get("callback_data") == data for row in rows for button in row)

