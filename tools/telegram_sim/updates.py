"""The bot's queue of pending updates, the webhook settings, and getUpdates' long polling.

An update stays pending until it is confirmed: by a 2xx from the webhook, or by a getUpdates
call whose offset is past it. Updates of one chat are handed out in order: while one of them is
being delivered or waits for a retry, the chat's later updates wait too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from tools.telegram_sim.errors import ApiError

DEFAULT_MAX_CONNECTIONS = 40
# Telegram's default when allowed_updates was never given.
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
GETUPDATES_WHILE_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED = ("Conflict: terminated by other getUpdates request; "
              "make sure that only one bot instance is running")


def update_kind(update: dict) -> str:
    """The update's type: the name of its one field besides update_id."""
    return next((k for k in update if k != "update_id"), "unknown")


def order_key(update: dict) -> object:
    """The chat an update belongs to (updates of a chat go in order); unique if it has none."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if (chat_id := _chat_id(update.get(kind))) is not None:
            return chat_id
    query = update.get("callback_query")
    if isinstance(query, dict):
        if (chat_id := _chat_id(query.get("message"))) is not None:
            return chat_id
        sender = query.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int | str):
            return sender["id"]
    return object()


def _chat_id(message: object) -> int | str | None:
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return chat_id if isinstance(chat_id, int | str) else None


@dataclass
class Pending:
    """One unconfirmed update and its delivery state."""

    update: dict
    key: object
    failures: int = 0
    retry_at: float = 0.0
    in_flight: bool = False

    @property
    def update_id(self) -> int:
        """The update's update_id (0 for odd injected updates without one)."""
        value = self.update.get("update_id")
        return value if isinstance(value, int) else 0


@dataclass
class Webhook:
    """The webhook settings of setWebhook."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS


class UpdateQueue:
    """Pending updates, the webhook and delivery counters, guarded by one condition."""

    def __init__(self, first_update_id: int):
        self.cond = threading.Condition()
        self.webhook = Webhook()
        self.closed = False
        self._next_id = first_update_id
        self._allowed: list[str] | None = None
        self._pending: list[Pending] = []
        self._busy: set[object] = set()
        self._poller = 0
        self._clear_counters()

    def _clear_counters(self) -> None:
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = self.attempts = self.failures = 0

    def add(self, build) -> dict | None:
        """Queue build(next update_id); None if allowed_updates filters that kind out."""
        with self.cond:
            update = build(self._next_id)
            self._next_id += 1
            return self._enqueue(update)

    def add_raw(self, update: dict) -> dict | None:
        """Queue an update exactly as given (a duplicate id, an odd shape)."""
        with self.cond:
            if isinstance(update.get("update_id"), int):
                self._next_id = max(self._next_id, update["update_id"] + 1)
            return self._enqueue(update)

    def _enqueue(self, update: dict) -> dict | None:
        kind = update_kind(update)
        if self._allowed is not None and kind not in self._allowed:
            return None
        if self._allowed is None and kind in NOT_BY_DEFAULT:
            return None
        self._pending.append(Pending(update, order_key(update)))
        self.cond.notify_all()
        return update

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Apply allowed_updates (an empty list means Telegram's default)."""
        if allowed is not None:
            self._allowed = list(allowed) or None

    def set_webhook(self, hook: Webhook, allowed: list[str] | None, drop: bool) -> bool:
        """Install a webhook; False if it was already set exactly so."""
        with self.cond:
            changed = hook != self.webhook
            if hook.url != self.webhook.url:
                for entry in self._pending:
                    entry.retry_at = 0.0
            self.webhook = hook
            self.set_allowed(allowed)
            if drop:
                self._pending.clear()
            self.cond.notify_all()
            return changed

    def delete_webhook(self, drop: bool) -> bool:
        """Remove the webhook; False if there was none."""
        with self.cond:
            had = bool(self.webhook.url)
            self.webhook = Webhook()
            if drop:
                self._pending.clear()
            self.cond.notify_all()
            return had

    def info(self) -> dict:
        """getWebhookInfo's WebhookInfo."""
        with self.cond:
            info = {"url": self.webhook.url, "has_custom_certificate": False,
                    "pending_update_count": len(self._pending)}
            if self.webhook.url:
                info["max_connections"] = self.webhook.max_connections
                if self._allowed is not None:
                    info["allowed_updates"] = list(self._allowed)
            if self.last_error_date is not None:
                info["last_error_date"] = self.last_error_date
                info["last_error_message"] = self.last_error_message
            return info

    def counters(self) -> dict:
        """Delivery counters: 2xx answers, attempts, failed attempts."""
        with self.cond:
            return {"delivered": self.delivered, "attempts": self.attempts,
                    "failures": self.failures}

    def get_updates(self, offset: int | None, limit: int, timeout: float,
                    allowed: list[str] | None) -> list[dict]:
        """getUpdates: confirm updates before offset, then wait up to timeout for some."""
        deadline = time.monotonic() + timeout
        with self.cond:
            if self.webhook.url:
                raise ApiError(409, GETUPDATES_WHILE_WEBHOOK)
            self.set_allowed(allowed)
            if offset:
                self._confirm(offset)
            self._poller += 1
            me = self._poller
            self.cond.notify_all()
            while True:
                if me != self._poller:
                    raise ApiError(409, TERMINATED)
                if self.webhook.url:
                    raise ApiError(409, GETUPDATES_WHILE_WEBHOOK)
                ready = [e.update for e in self._pending if not e.in_flight][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self.closed:
                    return ready
                self.cond.wait(remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [e for e in self._pending if e.update_id >= offset]

    def claim(self, now: float) -> tuple[list[Pending], Webhook, float | None]:
        """Updates to post now (marked in flight), the webhook, and when to look again.

        Caller holds self.cond. Per chat only the oldest pending update is a candidate.
        """
        if not self.webhook.url:
            return [], self.webhook, None
        seen: set[object] = set()
        claimed: list[Pending] = []
        wake: float | None = None
        room = self.webhook.max_connections - len(self._busy)
        for entry in self._pending:
            if entry.key in seen:
                continue
            seen.add(entry.key)
            if entry.in_flight or entry.key in self._busy:
                continue
            if entry.retry_at > now:
                wake = entry.retry_at if wake is None else min(wake, entry.retry_at)
                continue
            if len(claimed) >= room:
                break
            entry.in_flight = True
            self._busy.add(entry.key)
            claimed.append(entry)
        return claimed, self.webhook, wake

    def finish(self, entry: Pending, error: str | None, retry_delay: float) -> None:
        """Record one delivery attempt; on success the update is confirmed."""
        with self.cond:
            entry.in_flight = False
            self._busy.discard(entry.key)
            self.attempts += 1
            if error is None:
                self.delivered += 1
                self._pending = [e for e in self._pending if e is not entry]
            else:
                self.failures += 1
                entry.failures += 1
                entry.retry_at = time.monotonic() + retry_delay
                self.last_error_date = int(time.time())
                self.last_error_message = error
            self.cond.notify_all()

    def reset(self) -> None:
        """Drop pending updates and counters; keep the webhook and update ids."""
        with self.cond:
            self._pending.clear()
            self._clear_counters()
            self.cond.notify_all()

    def close(self) -> None:
        """Stop: wake long polls and the delivery loop."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
