"""What the simulator remembers: chats, messages, files, callback queries, bot settings, logs.

Two logs tell what happened in the chats: `sent` (what the bot sent, as it called the Bot API)
and `conversation` (both sides of every chat as the resident's app shows it, edits included).

Sequence numbers of the logs only grow (also across reset), so a test that read up to a
number never sees an older entry again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from tools.telegram_sim.files import FileStore
from tools.telegram_sim.objects import has_button


class Store:
    """Thread-safe memory of one simulated bot."""

    def __init__(self):
        self._cond = threading.Condition()
        self._sent_seq = 0
        self._call_seq = 0
        self._conversation_seq = 0
        self._closed = False
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.files = FileStore()
        self._forget()

    @property
    def generation(self) -> str:
        """Changes at every reset (and differs between runs): a client's cue to start over."""
        return self._generation

    def _forget(self) -> None:
        self._generation = secrets.token_hex(4)
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._sent: list[dict] = []
        self._conversation: list[dict] = []
        self._calls: list[dict] = []
        self._callbacks: dict[str, dict] = {}

    def reset(self) -> None:
        """Forget chats, messages, files, callback queries and logs."""
        self.files.reset()
        with self._cond:
            self._forget()
            self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiting reader; they answer with what they have."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # Chats and messages

    def start_chat(self, user: dict, chat: dict) -> None:
        """Remember (or refresh) a resident and their private chat with the bot."""
        with self._cond:
            self._users[user["id"]] = user
            self._chats[chat["id"]] = chat

    def chat(self, chat_id: int) -> dict | None:
        """A chat some resident started, or None."""
        with self._cond:
            return self._chats.get(chat_id)

    def chats(self) -> list[dict]:
        """Every known chat."""
        with self._cond:
            return list(self._chats.values())

    def add_message(self, chat_id: int, build: Callable[[int], dict],
                    record: dict | None = None) -> dict:
        """Store build(next message id) in the chat, and log record (for bot messages)."""
        with self._cond:
            message_id = self._last_message_id.get(chat_id, 0) + 1
            self._last_message_id[chat_id] = message_id
            message = build(message_id)
            self._messages[(chat_id, message_id)] = message
            if record is not None:
                self._log_sent(record, message_id)
            self._log_conversation(message, "sent", record)
            return message

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """A message of a chat, or None."""
        with self._cond:
            return self._messages.get((chat_id, message_id))

    def replace_message(self, message: dict, record: dict) -> None:
        """Store an edited message and log the edit."""
        with self._cond:
            chat_id = message["chat"]["id"]
            self._messages[(chat_id, message["message_id"])] = message
            self._log_sent(record, message["message_id"])
            self._log_conversation(message, "edited", record)

    def latest_with_button(self, chat_id: int, data: str) -> dict | None:
        """The newest message of the chat with an inline button carrying that data."""
        with self._cond:
            found = [m for (c, _), m in self._messages.items() if c == chat_id
                     and has_button(m, data)]
            return max(found, key=lambda m: m["message_id"], default=None)

    # The log of what the bot sent

    def _log_sent(self, record: dict, message_id: int) -> None:
        self._sent_seq += 1
        self._sent.append({"seq": self._sent_seq, "time": time.time(),
                           "chat_id": record["chat_id"], "message_id": message_id, **record})
        self._cond.notify_all()

    def sent_after(self, after: int, chat_id: int | None = None, wait: float = 0.0) -> list[dict]:
        """Bot messages with seq > after (of one chat), waiting up to `wait` s for the first."""
        return self._wait_for(lambda: _newer(self._sent, after, chat_id), wait)

    # Both sides of the chats, as the resident's app shows them

    def _log_conversation(self, message: dict, event: str, record: dict | None) -> None:
        """Log a message sent or edited in a chat (record: the bot's call, None for a resident)."""
        self._conversation_seq += 1
        sender = "bot" if message["from"].get("is_bot") else "resident"
        entry = {"seq": self._conversation_seq, "time": time.time(),
                 "chat_id": message["chat"]["id"], "message_id": message["message_id"],
                 "sender": sender, "event": event, "message": message}
        if record is not None:
            entry["method"] = record["method"]
            entry["reply_markup"] = record.get("reply_markup")
        self._conversation.append(entry)
        self._cond.notify_all()

    def conversation_after(self, after: int, chat_id: int | None = None, wait: float = 0.0,
                           generation: str | None = None) -> tuple[list[dict], str]:
        """Conversation entries with seq > after (of one chat), waiting up to `wait` s, and
        the generation. A reset ends the wait, and so does one the reader missed: a reader
        that names the generation it knows is answered at once when that one is gone."""
        with self._cond:
            started = generation or self._generation

        def select():
            return _newer(self._conversation, after, chat_id) or self._generation != started

        self._wait_for(select, wait)
        with self._cond:
            return _newer(self._conversation, after, chat_id), self._generation

    def _wait_for(self, select: Callable[[], Any], wait: float) -> Any:
        """select() under the lock, again whenever something changes, until it is truthy."""
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                found = select()
                remaining = deadline - time.monotonic()
                if found or remaining <= 0 or self._closed:
                    return found
                self._cond.wait(remaining)

    # The log of every Bot API call

    def record_call(self, call: dict) -> None:
        """Log one Bot API call (its `time`: when it arrived)."""
        with self._cond:
            self._call_seq += 1
            self._calls.append({"seq": self._call_seq, **call})

    def calls_after(self, after: int) -> list[dict]:
        """Logged calls with seq > after."""
        with self._cond:
            return [c for c in self._calls if c["seq"] > after]

    # Callback queries

    def issue_callback(self, query_id: str, chat_id: int) -> None:
        """Remember a callback query sent to the bot, so it can be answered once."""
        with self._cond:
            self._callbacks[query_id] = {"chat_id": chat_id, "answer": None}

    def answer_callback(self, query_id: str, answer: dict) -> bool:
        """Record the answer to a query; False if the query is unknown or already answered."""
        with self._cond:
            query = self._callbacks.get(query_id)
            if query is None or query["answer"] is not None:
                return False
            query["answer"] = answer
            self._cond.notify_all()
            return True

    def callback_answer(self, query_id: str, wait: float = 0.0) -> dict | None:
        """A query's answer ({} until answered), waiting up to `wait` s; None if unknown."""
        def settled() -> list:
            query = self._callbacks.get(query_id)
            return [query_id] if query is None or query["answer"] is not None else []

        self._wait_for(settled, wait)
        with self._cond:
            query = self._callbacks.get(query_id)
            if query is None:
                return None
            return {"answered": query["answer"] is not None, "answer": query["answer"]}

    def callbacks(self) -> dict[str, dict]:
        """Issued callback queries and their answers."""
        with self._cond:
            return {k: dict(v) for k, v in self._callbacks.items()}


def _newer(log: list[dict], after: int, chat_id: int | None) -> list[dict]:
    """Log entries with seq > after, of one chat unless chat_id is None."""
    return [e for e in log if e["seq"] > after and (chat_id is None or e["chat_id"] == chat_id)]
