"""One simulated bot: its spec, memory, update queue and webhook delivery, plus the residents."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from tools.telegram_sim import media
from tools.telegram_sim.delivery import WebhookDelivery
from tools.telegram_sim.faults import Faults
from tools.telegram_sim.limits import Limiter, Limits
from tools.telegram_sim.objects import (
    BadInput,
    bot_user,
    callback_query,
    has_button,
    private_chat,
    resident,
    resident_message,
    text_fields,
)
from tools.telegram_sim.personas import Personas
from tools.telegram_sim.spec import Spec
from tools.telegram_sim.state import Store
from tools.telegram_sim.updates import UpdateQueue


class Simulator:
    """Everything one fake Bot API server knows; made by create_app, closed at shutdown."""

    def __init__(self, token: str, *, retry_base_delay: float, retry_max_delay: float,
                 webhook_timeout: float, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.token = token
        self.spec = Spec.load()
        self.bot = bot_user(token)
        self.store = Store()
        self.personas = Personas()
        self.limiter = Limiter(limits or Limits(), clock, wall=time.time)
        self.faults = Faults(clock)
        self._closing = threading.Event()
        self.queue = UpdateQueue(first_update_id=random.randrange(100_000, 900_000))
        self.delivery = WebhookDelivery(self.queue, base_delay=retry_base_delay,
                                        max_delay=retry_max_delay, timeout=webhook_timeout)
        # keeps message ids and update ids of resident actions in the same order
        self._residents = threading.Lock()

    def resident_text(self, user_data: object, text: object) -> dict | None:
        """A resident sends a text message; returns the queued Update (None if filtered)."""
        user = resident(user_data)
        if not isinstance(text, str) or not text:
            raise BadInput("text must be a non-empty string")
        return self._resident_message(user, text_fields(text))

    def resident_attachment(self, user_data: object, kind: str, data: object) -> dict | None:
        """A resident sends a photo, a document or a location (media.py reads `data`)."""
        user = resident(user_data)
        if kind == "photo":
            fields = media.photo(self.store.files, data)
        elif kind == "document":
            fields = media.document(self.store.files, data)
        else:
            fields = media.location(data)
        return self._resident_message(user, fields)

    def _resident_message(self, user: dict, fields: dict) -> dict | None:
        chat = private_chat(user)
        with self._residents:
            self.store.start_chat(user, chat)
            message = self.store.add_message(
                chat["id"], lambda message_id: resident_message(message_id, user, chat, fields))
            return self.queue.add(lambda update_id: {"update_id": update_id, "message": message})

    def resident_tap(self, user_data: object, data: object,
                     message_id: object = None) -> dict | None:
        """A resident taps an inline button of a bot message (the newest one with that data)."""
        user = resident(user_data)
        if not isinstance(data, str) or not data:
            raise BadInput("callback_data must be a non-empty string")
        chat_id = user["id"]
        if self.store.chat(chat_id) is None:
            raise BadInput(f"user {chat_id} never started a chat with the bot")
        if message_id is None:
            message = self.store.latest_with_button(chat_id, data)
            if message is None:
                raise BadInput(f"no message in chat {chat_id} has a button {data!r}")
        else:
            is_int = isinstance(message_id, int) and not isinstance(message_id, bool)
            message = self.store.message(chat_id, message_id) if is_int else None
            if message is None or message["from"]["id"] != self.bot["id"]:
                raise BadInput(f"message_id {message_id!r} is no bot message in chat {chat_id}")
            if not has_button(message, data):  # its keyboard was edited or taken off
                raise BadInput(f"message {message_id} has no button {data!r} (any more)")
        query = callback_query(user, message, data)
        with self._residents:
            self.store.issue_callback(query["id"], chat_id)
            return self.queue.add(lambda update_id: {"update_id": update_id,
                                                     "callback_query": query})

    def inject(self, update: object) -> dict | None:
        """Queue a raw update exactly as given. A private message in it opens its chat, as
        the resident writing to the bot does in Telegram."""
        if not isinstance(update, dict):
            raise BadInput("update must be an object")
        with self._residents:
            message = update.get("message")
            if isinstance(message, dict):
                user, chat = message.get("from"), message.get("chat")
                if (isinstance(user, dict) and isinstance(chat, dict)
                        and chat.get("type") == "private"
                        and type(chat.get("id")) is int and chat.get("id") == user.get("id")):
                    self.store.start_chat(user, chat)
            return self.queue.add_raw(update)

    def reset(self) -> None:
        """Forget chats, messages, calls, pending updates, faults and flood counters; keep the
        webhook and settings (limits among them)."""
        with self._residents:
            self.store.reset()
            self.queue.reset()
        self.faults.clear()
        self.limiter.reset()

    def hang(self, seconds: float) -> None:
        """Hold a Bot API call for `seconds`, or until the simulator closes."""
        self._closing.wait(seconds)

    def close(self) -> None:
        """Stop webhook delivery, wake every long poll and hung call; safe to call twice."""
        self._closing.set()
        self.store.close()
        self.delivery.close()
