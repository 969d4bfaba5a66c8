"""Injected failures: matching Bot API calls fail for a number of calls or a stretch of time.

A fault is an error (Telegram's JSON envelope; a 5xx comes as nginx's HTML page, as from
Telegram's front end) or a timeout (the call hangs, then nginx answers 504, and nothing was
done). It matches a method and/or chats, and lasts `times` calls, `seconds`, or until reset.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from tools.telegram_sim.errors import ApiError, FrontEndError

DEFAULT_HANG = 60.0  # longer than any sane client's read timeout (ours: 15 s)
NGINX_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway",
                 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


@dataclass
class Fault:
    """One injected failure and what it matches."""

    kind: str  # "error" or "timeout"
    error_code: int
    description: str
    html: bool  # answer with nginx's HTML page instead of Telegram's JSON
    method: str | None  # lower-cased; None: any
    chat_ids: frozenset | None  # None: any call, with or without a chat
    retry_after: int | None
    times: int | None  # calls left; None: not counted
    until: float | None  # the clock's time the fault ends; None: no end
    delay: float  # timeout: how long a call hangs

    def matches(self, method: str, chat_id: object) -> bool:
        """Whether a call of this method (to this chat) fails."""
        return (self.method in (None, method.lower())
                and (self.chat_ids is None or chat_id in self.chat_ids))

    def error(self) -> ApiError:
        """What the failing call answers."""
        if self.html:
            return FrontEndError(self.error_code, self.description)
        return ApiError(self.error_code, self.description, retry_after=self.retry_after,
                        detail="injected fault")

    def view(self, now: float) -> dict:
        """The fault as GET /sim/faults shows it."""
        return {"kind": self.kind, "error_code": self.error_code,
                "description": self.description, "html": self.html, "method": self.method,
                "chat_ids": None if self.chat_ids is None else sorted(self.chat_ids, key=str),
                "retry_after": self.retry_after, "times_left": self.times,
                "seconds_left": None if self.until is None else max(0.0, self.until - now),
                **({"delay": self.delay} if self.kind == "timeout" else {})}


def parse_fault(body: object, now: float) -> Fault:
    """A Fault from the JSON of POST /sim/faults; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    kind = body.get("kind", "error")
    if kind not in ("error", "timeout"):
        raise ValueError('kind must be "error" or "timeout"')
    code = body.get("error_code", 504 if kind == "timeout" else None)
    if not _is_int(code) or not 400 <= code <= 599:
        raise ValueError("expected an integer error_code (400-599)")
    description = body.get("description", NGINX_PHRASES.get(code))
    if not isinstance(description, str) or not description:
        raise ValueError("description must be a non-empty string")
    html = body.get("html", code >= 500)
    if not isinstance(html, bool):
        raise ValueError("html must be true or false")
    method = body.get("method")
    if method is not None and not isinstance(method, str):
        raise ValueError("method must be a string")
    seconds = _number(body, "seconds", None)
    times = body.get("times", None if seconds is not None else 1)
    if times is not None and (not _is_int(times) or times < 1):
        raise ValueError("times must be a whole number >= 1, or null")
    retry_after = body.get("retry_after")
    if retry_after is not None and not _is_int(retry_after):
        raise ValueError("retry_after must be an integer")
    return Fault(kind=kind, error_code=code, description=description, html=html,
                 method=method.lower() if method else None, chat_ids=_chat_ids(body),
                 retry_after=retry_after, times=times,
                 until=None if seconds is None else now + seconds,
                 delay=_number(body, "delay", DEFAULT_HANG) if kind == "timeout" else 0.0)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(body: dict, name: str, default: float | None) -> float | None:
    value = body.get(name, default)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number >= 0")
    return float(value)


def _chat_ids(body: dict) -> frozenset | None:
    chat_ids = []
    if body.get("chat_id") is not None:
        chat_ids.append(body["chat_id"])
    if body.get("chat_ids") is not None:
        if not isinstance(body["chat_ids"], list):
            raise ValueError("chat_ids must be a list")
        chat_ids.extend(body["chat_ids"])
    if any(not (_is_int(c) or isinstance(c, str)) for c in chat_ids):
        raise ValueError("a chat id is an integer or an @username")
    return frozenset(chat_ids) if chat_ids else None


class Faults:
    """The active faults of one simulated bot, thread-safe; the first match wins."""

    def __init__(self, clock: Callable[[], float]):
        self._lock = threading.Lock()
        self._clock = clock
        self._faults: list[Fault] = []

    def add(self, body: object) -> dict:
        """Add a fault from POST /sim/faults's JSON; returns how GET /sim/faults shows it."""
        now = self._clock()
        fault = parse_fault(body, now)
        with self._lock:
            self._faults.append(fault)
        return fault.view(now)

    def take(self, method: str, chat_id: object) -> Fault | None:
        """The first active fault matching this call, counting it down; None if none does."""
        with self._lock:
            self._drop_ended(self._clock())
            for fault in self._faults:
                if fault.matches(method, chat_id):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def active(self) -> list[dict]:
        """The faults still in force."""
        now = self._clock()
        with self._lock:
            self._drop_ended(now)
            return [fault.view(now) for fault in self._faults]

    def clear(self) -> None:
        """Forget every fault."""
        with self._lock:
            self._faults.clear()

    def _drop_ended(self, now: float) -> None:
        self._faults = [f for f in self._faults if f.until is None or now < f.until]
