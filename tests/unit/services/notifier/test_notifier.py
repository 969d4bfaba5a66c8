"""The notifier's step with a fake Bot API client: dedupe, 403, 400, 429, 5xx, long texts."""

from __future__ import annotations

from datetime import datetime

import pytest

from libs.contracts import Outgoing, decode_outgoing, encode
from libs.errors import DecodeError, TransientError
from libs.siades.bot_models import Chat, LetterDocument, Notification
from libs.telegram import BadRequest, Forbidden, RateLimited
from services.notifier.sender import Delivery, Outcome, step


class FakeClient:
    """Answers each call with the next scripted outcome (an exception or a result)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent = []

    def _next(self, default):
        outcome = self.outcomes.pop(0) if self.outcomes else default
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def call(self, method, params):
        self.sent.append((method, params))
        return self._next(True)

    def send_document(self, chat_id, filename, content, caption=None, parse_mode=None,
                      reply_markup=None):
        self.sent.append((chat_id, filename, content, caption))
        return self._next({"message_id": len(self.sent)})

    def send_message(self, chat_id, text, parse_mode, reply_markup):
        self.sent.append((chat_id, text, reply_markup))
        return self._next({"message_id": len(self.sent)})


def delivery(message_id="tg-1:0", chat_id=42, text="Halo", **fields) -> Delivery:
    message = Outgoing(message_id=message_id, chat_id=chat_id, text=text, **fields)
    return Delivery(tag=1, body=encode(message), headers={}, message=message)


def test_sent_once_and_recorded(session_factory):
    client = FakeClient({"message_id": 99})
    assert step(client, delivery(), session_factory).outcome is Outcome.SENT
    assert step(client, delivery(), session_factory).outcome is Outcome.SKIPPED  # a duplicate
    assert client.sent == [(42, "Halo", None)]
    with session_factory() as session:
        assert session.get(Notification, "tg-1:0").telegram_message_id == 99


def test_forbidden_marks_the_chat_unreachable(session_factory):
    client = FakeClient(Forbidden("sendMessage: 403 Forbidden: bot was blocked by the user"))
    assert step(client, delivery("a:0"), session_factory).outcome is Outcome.BLOCKED
    # The next one is not even tried: the chat is unreachable until /start.
    assert step(client, delivery("b:0"), session_factory).outcome is Outcome.SKIPPED
    assert len(client.sent) == 1
    with session_factory() as session:
        assert session.get(Chat, 42).unreachable_since is not None
        assert session.get(Notification, "a:0") is None


@pytest.mark.parametrize(("error", "outcome"), [
    (BadRequest("sendMessage: 400 Bad Request: can't parse entities"), Outcome.REFUSED),
    (RateLimited("sendMessage: 429 Too Many Requests: retry after 3", retry_after=3),
     Outcome.RATE_LIMITED),
    (TransientError("sendMessage: 502"), Outcome.FAILED),
    (TransientError("sendMessage: Telegram did not answer in time"), Outcome.FAILED),
    (KeyError("a bug"), Outcome.BROKEN),
])
def test_each_failure_is_reported_not_raised(session_factory, error, outcome):
    result = step(FakeClient(error), delivery(), session_factory)
    assert result.outcome is outcome
    assert result.detail
    if outcome is Outcome.RATE_LIMITED:
        assert result.retry_after == 3
    with session_factory() as session:
        assert session.get(Notification, "tg-1:0") is None


def test_the_database_away_before_the_call_sends_nothing(session_factory):
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    def database_away(*_args):
        raise OperationalError("SELECT", {}, Exception("database is away"))

    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", database_away)
    try:
        client = FakeClient()
        assert step(client, delivery(), session_factory).outcome is Outcome.DATABASE_DOWN
        assert client.sent == []
    finally:
        event.remove(engine, "before_cursor_execute", database_away)


def test_a_sent_message_that_cannot_be_recorded_is_not_sent_again(session_factory, monkeypatch):
    import functools

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from services.notifier import sender

    # Its retry delays are a default argument, bound when the module loaded: pass them.
    no_wait = functools.partial(sender._record_sent, sleep=lambda _seconds: None)
    monkeypatch.setattr(sender, "_record_sent", no_wait)

    def database_away(session, *_):
        if any(isinstance(obj, Notification) for obj in session.new):
            raise OperationalError("INSERT", {}, Exception("database is away"))

    event.listen(session_factory, "before_flush", database_away)
    try:
        client = FakeClient()
        # Sent: the dispatcher acks, and nothing is sent again.
        assert step(client, delivery(), session_factory).outcome is Outcome.SENT
        assert len(client.sent) == 1
    finally:
        event.remove(session_factory, "before_flush", database_away)


def test_a_long_text_goes_in_parts_buttons_under_the_last(session_factory):
    text = "\n".join(f"<b>{i}</b> " + "kata " * 30 for i in range(100))
    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    d = delivery(text=text, reply_markup=keyboard)
    assert len(d.parts) == 4
    client = FakeClient()
    outcomes = []
    while True:
        outcome = step(client, d, session_factory).outcome
        outcomes.append(outcome)
        if outcome is not Outcome.PART_SENT:
            break
        d.next_part += 1
    assert outcomes == [Outcome.PART_SENT] * 3 + [Outcome.SENT]
    assert [markup for _, _, markup in client.sent] == [None, None, None, keyboard]
    assert all(len(sent) <= 4096 for _, sent, _ in client.sent)
    assert "".join(sent for _, sent, _ in client.sent).replace("\n", "") == text.replace("\n", "")


def callback_answer(message_id="tg-2:0") -> Delivery:
    return delivery(message_id, text="", method="answerCallbackQuery",
                    extra={"callback_query_id": "77"})


def test_a_callback_query_is_answered_once_and_is_no_message(session_factory):
    client = FakeClient()
    answer = callback_answer()
    assert not answer.counts_as_message
    assert step(client, answer, session_factory).outcome is Outcome.SENT
    assert step(client, callback_answer(), session_factory).outcome is Outcome.SKIPPED
    assert client.sent == [("answerCallbackQuery", {"callback_query_id": "77", "text": None})]


def test_a_callback_answer_that_came_too_late_is_dropped_not_parked(session_factory):
    too_old = BadRequest("answerCallbackQuery: 400 Bad Request: query is too old and response "
                         "timeout expired or query ID is invalid")
    # The reply after it still goes out.
    assert step(FakeClient(too_old), callback_answer(), session_factory).outcome is Outcome.SENT


def test_a_callback_answer_without_its_query_id_is_malformed():
    with pytest.raises(DecodeError, match="callback_query_id"):
        decode_outgoing(encode(Outgoing(message_id="x:0", chat_id=1, text="",
                                        method="answerCallbackQuery")))


def keyboard_removal(message_id="tg-2:2") -> Delivery:
    return delivery(message_id, text="", method="editMessageReplyMarkup", parse_mode=None,
                    extra={"message_id": 31})


def test_a_spent_keyboard_is_taken_off_its_message_and_is_no_message(session_factory):
    client = FakeClient({"message_id": 31, "chat": {"id": 42}})
    removal = keyboard_removal()
    assert not removal.counts_as_message  # Telegram's flood limits count sends
    assert step(client, removal, session_factory).outcome is Outcome.SENT
    assert step(client, keyboard_removal(), session_factory).outcome is Outcome.SKIPPED
    assert client.sent == [("editMessageReplyMarkup", {"chat_id": 42, "message_id": 31})]


@pytest.mark.parametrize("description", [
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message",
    "message to edit not found", "message can't be edited"])
def test_a_keyboard_already_gone_is_dropped_not_parked(session_factory, description):
    refused = BadRequest(f"editMessageReplyMarkup: 400 Bad Request: {description}")
    assert step(FakeClient(refused), keyboard_removal(), session_factory).outcome is Outcome.SENT


def test_a_keyboard_removal_without_its_message_id_is_malformed():
    with pytest.raises(DecodeError, match="extra.message_id"):
        decode_outgoing(encode(Outgoing(message_id="x:0", chat_id=1, text="",
                                        method="editMessageReplyMarkup")))


def test_an_issued_letter_is_uploaded_from_the_database(session_factory):
    with session_factory.begin() as session:
        session.add(LetterDocument(request_id=9, letter_log_id=1, number="S-14/001", pdf=b"%PDF",
                                   file_name="SKU-001.pdf", token="t", issued_by=1,
                                   issued_at=datetime(2026, 11, 28)))
    client = FakeClient()

    def document(request_id, message_id):
        return delivery(message_id, text="Surat Anda", method="sendDocument",
                        document={"letter_request_id": request_id})

    assert step(client, document(9, "letter-9-1:1"), session_factory).outcome is Outcome.SENT
    assert client.sent == [(42, "SKU-001.pdf", b"%PDF", "Surat Anda")]
    result = step(client, document(10, "letter-10-1:1"), session_factory)
    assert result.outcome is Outcome.REFUSED and "no issued letter" in result.detail


def test_a_chats_messages_are_put_back_in_the_order_they_were_made():
    from collections import deque

    from libs.config import Settings
    from libs.outbox import SEQUENCE_HEADER
    from services.notifier.dispatcher import Dispatcher

    dispatcher = Dispatcher(Settings(), None, lambda: None)

    def made(sequence):
        d = delivery(f"m{sequence}:0")
        d.headers = {SEQUENCE_HEADER: sequence}
        return d

    queue = deque()
    for sequence in (5, 2, 9, 1, 7):  # as a quorum queue may return what a dead consumer held
        queue.insert(dispatcher._place(queue, made(sequence)), made(sequence))
    assert [d.sequence for d in queue] == [1, 2, 5, 7, 9]

    dispatcher._in_flight.add(42)  # the head is under way: nothing goes before it
    queue.insert(dispatcher._place(queue, made(0)), made(0))
    assert [d.sequence for d in queue] == [1, 0, 2, 5, 7, 9]
    untagged = delivery("old:0")  # a message from before the header: it stays where it came
    queue.insert(dispatcher._place(queue, untagged), untagged)
    queue.insert(dispatcher._place(queue, made(3)), made(3))
    assert [d.sequence for d in queue] == [1, 0, 2, 5, 7, 9, None, 3]
