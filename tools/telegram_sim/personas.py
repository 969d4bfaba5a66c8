"""The residents the chat page can be: Telegram users the simulator made, shared by every tab.

The simulator hands out the ids. A few ready-made residents exist from the start; they stay
across /sim/reset (they are who writes, not what was written).
"""

from __future__ import annotations

import re
import threading

from tools.telegram_sim.objects import BadInput

FIRST_ID = 710_000_001
DEFAULT_LANGUAGE = "id"
MAX_NAME = 64  # Telegram's limit for first and last names
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]")
READY_MADE = [
    {"first_name": "Siti", "last_name": "Rahayu", "username": "siti_rahayu"},
    {"first_name": "Budi", "last_name": "Santoso", "username": "budisantoso"},
    {"first_name": "Ahmad", "last_name": "Fauzi"},
    {"first_name": "Dewi", "last_name": "Lestari", "username": "dewi_lestari"},
]


class Personas:
    """Thread-safe list of resident users, in the order they were made."""

    def __init__(self, ready_made: list[dict] | None = None):
        self._lock = threading.Lock()
        self._users: list[dict] = []
        for data in READY_MADE if ready_made is None else ready_made:
            self.add(data)

    def all(self) -> list[dict]:
        """Every persona."""
        with self._lock:
            return [dict(user) for user in self._users]

    def get(self, user_id: int) -> dict | None:
        """One persona by user id, or None."""
        with self._lock:
            return next((dict(u) for u in self._users if u["id"] == user_id), None)

    def add(self, data: object) -> dict:
        """Make a persona from {first_name, last_name?, username?, language_code?}."""
        user = _user_fields(data)
        with self._lock:
            if "username" in user and self._username_taken(user["username"]):
                raise BadInput(f"username @{user['username']} is taken")
            user = {"id": self._next_id(), "is_bot": False, **user}
            self._users.append(user)
            return dict(user)

    def _next_id(self) -> int:
        return max((u["id"] for u in self._users), default=FIRST_ID - 1) + 1

    def _username_taken(self, username: str) -> bool:
        return any(u.get("username", "").lower() == username.lower() for u in self._users)


def _user_fields(data: object) -> dict:
    """The checked User fields of a new persona; raises BadInput."""
    if not isinstance(data, dict):
        raise BadInput("expected a JSON object")
    first_name = _text(data, "first_name", required=True)
    user = {"first_name": first_name}
    if last_name := _text(data, "last_name"):
        user["last_name"] = last_name
    if username := _text(data, "username").lstrip("@"):
        if not _USERNAME.fullmatch(username) or "__" in username:
            raise BadInput("username must be 5-32 letters, digits or _, starting with a letter")
        user["username"] = username
    user["language_code"] = _text(data, "language_code") or DEFAULT_LANGUAGE
    return user


def _text(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    value = value.strip()
    if required and not value:
        raise BadInput(f"{name} must be a non-empty string")
    if len(value) > MAX_NAME:
        raise BadInput(f"{name} must be at most {MAX_NAME} characters")
    return value
