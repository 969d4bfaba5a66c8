"""Telegram's flood limits on sending, as token buckets: a 429 with retry_after beyond them.

Telegram lets a bot send about 30 messages a second overall, 1 a second to one private chat
(tolerating a short burst) and 20 a minute to one group. Each limit here is a bucket that holds
up to `burst` sends and refills at its rate; a send takes one token from the bot's bucket and
one from its chat's. A call refused with 429 takes nothing, and a send that then fails (chat not
found, say) gives its tokens back, so only messages that reached a chat count.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace

from tools.telegram_sim.errors import ApiError

RECENT = 20  # how many of the latest 429s GET /sim/limits shows


@dataclass(frozen=True)
class Limits:
    """The simulator's flood limits; `enabled=False` lets every send through."""

    enabled: bool = True
    bot_per_second: float = 30.0
    bot_burst: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20

    def __post_init__(self):
        if not isinstance(self.enabled, bool):
            raise ValueError("enabled must be true or false")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name.endswith("_burst") and (
                    not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{field.name} must be a whole number >= 1")
            if field.name.endswith(("_per_second", "_per_minute")) and (
                    not isinstance(value, int | float) or isinstance(value, bool) or value <= 0):
                raise ValueError(f"{field.name} must be a number > 0")

    def changed(self, changes: object) -> Limits:
        """These limits with some fields changed (a JSON object of field: value)."""
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def bucket_of(self, chat_id: object) -> tuple[str, float, int]:
        """The kind, rate per second and burst of a chat's limit (chat_id < 0: a group)."""
        if isinstance(chat_id, int) and chat_id > 0:
            return "private", self.private_per_second, self.private_burst
        return "group", self.group_per_minute / 60.0, self.group_burst


class _Bucket:
    """Tokens that refill at `rate` a second up to `burst`."""

    def __init__(self, burst: int, now: float):
        self.tokens = float(burst)
        self.at = now

    def refill(self, now: float, rate: float, burst: int) -> None:
        self.tokens = min(float(burst), self.tokens + (now - self.at) * rate)
        self.at = now

    def wait(self, rate: float) -> float:
        """Seconds until a whole token is there (0 if it is)."""
        return max(0.0, (1.0 - self.tokens) / rate)


class Limiter:
    """Thread-safe flood control of one simulated bot, with counters for GET /sim/limits."""

    def __init__(self, limits: Limits, clock: Callable[[], float], wall: Callable[[], float]):
        self._lock = threading.Lock()
        self._clock = clock
        self._wall = wall
        self._limits = limits
        self._forget()

    def _forget(self) -> None:
        self._bot: _Bucket | None = None
        self._chats: dict[object, _Bucket] = {}
        self.accepted = 0
        self.limited = 0
        self._recent: deque[dict] = deque(maxlen=RECENT)

    @property
    def limits(self) -> Limits:
        """The current settings."""
        return self._limits

    def configure(self, limits: Limits) -> None:
        """New settings; the buckets start again full."""
        with self._lock:
            self._limits = limits
            self._bot, self._chats = None, {}

    def reset(self) -> None:
        """Full buckets and zero counters; the settings stay."""
        with self._lock:
            self._forget()

    def take(self, method: str, chat_id: object) -> None:
        """Take a send's tokens, or raise the 429 Telegram answers when they are not there."""
        with self._lock:
            limits = self._limits
            if not limits.enabled:
                self.accepted += 1
                return
            now = self._clock()
            kind, chat_rate, chat_burst = limits.bucket_of(chat_id)
            if self._bot is None:
                self._bot = _Bucket(limits.bot_burst, now)
            chat = self._chats.setdefault(chat_id, _Bucket(chat_burst, now))
            self._bot.refill(now, limits.bot_per_second, limits.bot_burst)
            chat.refill(now, chat_rate, chat_burst)
            waits = {"bot": self._bot.wait(limits.bot_per_second), kind: chat.wait(chat_rate)}
            wait = max(waits.values())
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self.limited += 1
                which = max(waits, key=waits.get)
                self._recent.append({"time": self._wall(), "method": method, "chat_id": chat_id,
                                     "limit": which, "retry_after": retry_after})
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                               retry_after=retry_after,
                               detail=f"{which} limit (simulator flood control)")
            self._bot.tokens -= 1
            chat.tokens -= 1
            self.accepted += 1

    def give_back(self, chat_id: object) -> None:
        """Return a send's tokens: the call failed after take()."""
        with self._lock:
            self.accepted -= 1
            limits = self._limits
            if not limits.enabled:
                return
            _, _, chat_burst = limits.bucket_of(chat_id)
            if self._bot is not None:
                self._bot.tokens = min(float(limits.bot_burst), self._bot.tokens + 1)
            chat = self._chats.get(chat_id)
            if chat is not None:
                chat.tokens = min(float(chat_burst), chat.tokens + 1)

    def report(self) -> dict:
        """The settings, the counters and the latest 429s, for GET /sim/limits."""
        with self._lock:
            return {"settings": asdict(self._limits), "accepted": self.accepted,
                    "limited": self.limited, "recent_limited": list(self._recent)}
