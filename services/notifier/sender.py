"""The notifier's work: one Outgoing -> one Bot API call, each at most once.

    already sent (bot_notifications)   -> skip
    chat marked unreachable            -> skip (the resident blocked the bot; /start clears it)
    sent                               -> recorded in bot_notifications
    403                                -> chat marked unreachable, message dropped
    400                                -> PermanentError: the consumer parks it in the DLQ
    429, 5xx, timeouts                 -> retried here with backoff (429: after retry_after),
                                          then TransientError: the retry queue takes over
"""

from __future__ import annotations

import logging
import random
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from libs.contracts import Outgoing, decode_outgoing
from libs.errors import PermanentError, TransientError
from libs.siades.bot_models import Chat, LetterDocument, Notification
from libs.siades.coltypes import utcnow
from libs.telegram import BadRequest, Forbidden, RateLimited, TelegramClient

log = logging.getLogger(__name__)

# One message may hold the consumer at most ~3 x 15 s (read timeout) + backoff + a capped
# retry_after: well inside the 2 x 60 s of heartbeats the broker waits before it gives up on us.
ATTEMPTS = 3
BASE_DELAY = 0.5
MAX_DELAY = 4.0
MAX_RETRY_AFTER = 20.0


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter for attempt 1, 2, ..."""
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** attempt))


def send(client: TelegramClient, message: Outgoing, factory: sessionmaker) -> dict:
    """Make the Bot API call that `message` describes."""
    if message.method == "answerCallbackQuery":
        params = {"callback_query_id": message.extra["callback_query_id"],
                  "text": message.text or None}
        try:
            client.call("answerCallbackQuery", params)
        except BadRequest as exc:
            # Too late (Telegram waits ~15 s) or already answered: the reply still follows.
            log.info("callback answer %s not taken: %s", message.message_id, exc)
        return {}
    if message.method == "sendDocument":
        return _send_document(client, message, factory)
    return client.send_message(message.chat_id, message.text, message.parse_mode,
                               message.reply_markup)


def _send_document(client: TelegramClient, message: Outgoing, factory: sessionmaker) -> dict:
    """An issued letter's PDF, read from the database and uploaded; or a file Telegram has."""
    document = message.document or {}
    if "letter_request_id" not in document:
        return client.call("sendDocument", {
            "chat_id": message.chat_id, "document": document.get("file"),
            "caption": message.text or None, "parse_mode": message.parse_mode,
            "reply_markup": message.reply_markup})
    with factory() as session:
        letter = session.get(LetterDocument, document["letter_request_id"])
    if letter is None:
        raise PermanentError(f"message {message.message_id}: no issued letter "
                             f"{document['letter_request_id']}")
    return client.send_document(message.chat_id, letter.file_name, letter.pdf,
                                caption=message.text or None, parse_mode=message.parse_mode,
                                reply_markup=message.reply_markup)


def make_sender(factory: sessionmaker, client: TelegramClient, sleep=time.sleep):
    """The message handler of `notifier.outbox`."""

    def on_outgoing(body: bytes, _properties, _publisher) -> None:
        message = decode_outgoing(body)
        with factory() as session:
            if session.get(Notification, message.message_id) is not None:
                log.info("message %s already sent; skipped", message.message_id)
                return
            chat = session.get(Chat, message.chat_id)
            if chat is not None and chat.unreachable_since is not None:
                log.info("message %s dropped: chat %s blocked the bot",
                         message.message_id, message.chat_id)
                return
        try:
            result = _send_with_backoff(client, message, factory, sleep)
        except Forbidden as exc:
            log.warning("chat %s unreachable (%s); message %s dropped",
                        message.chat_id, exc, message.message_id)
            with factory.begin() as session:
                session.merge(Chat(chat_id=message.chat_id, unreachable_since=utcnow(),
                                   updated_at=utcnow()))
            return
        _record_sent(factory, message, result, sleep)
        log.info("message %s sent to chat %s", message.message_id, message.chat_id)

    return on_outgoing


def _record_sent(factory: sessionmaker, message: Outgoing, result: dict | None, sleep) -> None:
    # Telegram has the message now: failing here must not send it again, so never raise.
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with factory.begin() as session:
                session.add(Notification(
                    message_id=message.message_id, chat_id=message.chat_id,
                    method=message.method, sent_at=utcnow(),
                    telegram_message_id=(result or {}).get("message_id"),
                ))
            return
        except SQLAlchemyError as exc:
            log.warning("message %s sent but not yet recorded (%s)", message.message_id, exc)
            sleep(backoff(attempt))
    log.error("message %s sent but could not be recorded; a redelivery would repeat it",
              message.message_id)


def _send_with_backoff(client: TelegramClient, message: Outgoing, factory: sessionmaker,
                       sleep) -> dict:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return send(client, message, factory)
        except TransientError as exc:
            if attempt == ATTEMPTS:
                raise
            if isinstance(exc, RateLimited):
                delay = min(exc.retry_after or 1.0, MAX_RETRY_AFTER)
            else:
                delay = backoff(attempt)
            log.warning("message %s: %s; attempt %d again in %.1fs",
                        message.message_id, exc, attempt + 1, delay)
            sleep(delay)
    raise AssertionError("unreachable")
