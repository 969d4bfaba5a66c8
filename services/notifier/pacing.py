"""When the bot may send next: Telegram's limits as evenly spaced slots.

Each limit is a schedule of slots `interval` seconds apart (the generic cell rate algorithm
with no burst): the bot as a whole (30 a second), each chat (1 a second), each group on top
(20 a minute). A send takes the next slot of every limit it is under, so a backlog goes out
at exactly the allowed pace, and a quiet bot sends at once. A 429 pauses the whole bot.

The clock is passed in: this is plain arithmetic, and tests run it without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Messages per second for the bot and a chat, per minute for a group."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: float = 20.0


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class Pacer:
    """The next free slot of the bot and of every chat it has written to recently."""

    def __init__(self, limits: Limits):
        self._bot_interval = 1.0 / limits.per_second
        self._chat_interval = 1.0 / limits.per_chat_per_second
        self._group_interval = 60.0 / limits.per_group_per_minute
        self._bot_next = 0.0
        self._chat_next: dict[int, float] = {}

    def bot_ready_at(self) -> float:
        """The earliest time the bot may make its next call."""
        return self._bot_next

    def chat_ready_at(self, chat_id: int) -> float:
        """The earliest time the chat may get its next message, the bot's own limit aside."""
        return self._chat_next.get(chat_id, 0.0)

    def ready_at(self, chat_id: int | None = None) -> float:
        """The earliest time a message to `chat_id` (None: a call into no chat) may go."""
        if chat_id is None:
            return self._bot_next
        return max(self._bot_next, self.chat_ready_at(chat_id))

    def take(self, now: float, chat_id: int | None = None) -> None:
        """Spend the slots of one call made at `now` (not before `ready_at`); a call that
        is no message into a chat (answerCallbackQuery) passes chat_id=None."""
        # A call made a little late (the loop woke late) keeps the schedule instead of pushing
        # every later slot back: at most one slot is made up, so no second ever holds more than
        # one call over the limit, and a busy bot still reaches its full rate.
        self._bot_next = max(self._bot_next, now - self._bot_interval) + self._bot_interval
        if chat_id is not None:
            interval = max(self._chat_interval,
                           self._group_interval if is_group(chat_id) else 0.0)
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now) + interval

    def pause(self, until: float) -> None:
        """Send nothing at all before `until` (Telegram's retry_after, or an outage)."""
        self._bot_next = max(self._bot_next, until)

    def delay_chat(self, chat_id: int, until: float) -> None:
        """Send nothing to `chat_id` before `until`."""
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    def forget_before(self, now: float) -> None:
        """Drop the chats whose next slot has passed: they are free again anyway."""
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
