"""The bot as a resident's Telegram app shows it: name, descriptions and command menu.

The bot sets these per language (and commands per scope); the app picks what applies to one
private chat in the resident's language, falling back the way Telegram documents it.
"""

from __future__ import annotations

import json

from tools.telegram_sim.objects import get_me


def bot_profile(sim, chat_id: int | None, language: str) -> dict:
    """getMe's user, the descriptions and the command menu for one private chat."""
    store = sim.store
    return {
        "user": get_me(sim.token),
        "description": _localized(store.descriptions, language),
        "short_description": _localized(store.short_descriptions, language),
        "commands": commands_for(store.commands, chat_id, language),
    }


def _localized(texts: dict[str, str], language: str) -> str:
    """The text for the language, else the one for all languages (an empty one is unset)."""
    return texts.get(language) or texts.get("", "")


def commands_for(commands: dict[tuple[str, str], list[dict]], chat_id: int | None,
                 language: str) -> list[dict]:
    """The first command list set, in Telegram's order for a private chat.

    Chat scope, then all private chats, then default; each first in the user's language.
    """
    scopes = [{"type": "all_private_chats"}, {"type": "default"}]
    if chat_id is not None:
        scopes.insert(0, {"type": "chat", "chat_id": chat_id})
    for scope in scopes:
        key = json.dumps(scope, sort_keys=True)
        for lang in ([language] if language else []) + [""]:
            if found := commands.get((key, lang)):
                return found
    return []
