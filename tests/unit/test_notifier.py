"""The notifier's sender with a fake Bot API client: dedupe, 403, 400, retries."""

from __future__ import annotations

import pytest

from libs.contracts import Outgoing, encode
from libs.errors import TransientError
from libs.siades.bot_models import Chat, Notification
from libs.telegram import BadRequest, Forbidden, RateLimited
from services.notifier.sender import make_sender


class FakeClient:
    """Answers each send with the next scripted outcome (an exception or a result)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent = []

    def call(self, method, params):
        self.sent.append((method, params))
        outcome = self.outcomes.pop(0) if self.outcomes else True
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def send_document(self, chat_id, filename, content, caption=None, parse_mode=None,
                      reply_markup=None):
        self.sent.append((chat_id, filename, content, caption))
        return {"message_id": len(self.sent)}

    def send_message(self, chat_id, text, parse_mode, reply_markup):
        self.sent.append((chat_id, text))
        outcome = self.outcomes.pop(0) if self.outcomes else {"message_id": len(self.sent)}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def body(message_id="tg-1:0", chat_id=42, text="Halo"):
    return encode(Outgoing(message_id=message_id, chat_id=chat_id, text=text))


@pytest.fixture
def sleeps():
    return []


def sender(session_factory, client, sleeps):
    return make_sender(session_factory, client, sleep=sleeps.append)


def test_sent_once_and_recorded(session_factory, sleeps):
    client = FakeClient({"message_id": 99})
    send = sender(session_factory, client, sleeps)
    send(body(), None, None)
    send(body(), None, None)  # a duplicate of the same reply
    assert client.sent == [(42, "Halo")]
    with session_factory() as session:
        assert session.get(Notification, "tg-1:0").telegram_message_id == 99


def test_forbidden_marks_the_chat_unreachable_and_drops(session_factory, sleeps):
    client = FakeClient(Forbidden("sendMessage: 403 Forbidden: bot was blocked by the user"))
    send = sender(session_factory, client, sleeps)
    send(body("a:0"), None, None)
    send(body("b:0"), None, None)  # not even tried: the chat is unreachable
    assert len(client.sent) == 1
    with session_factory() as session:
        assert session.get(Chat, 42).unreachable_since is not None
        assert session.get(Notification, "a:0") is None


def test_bad_request_is_permanent(session_factory, sleeps):
    send = sender(session_factory, FakeClient(BadRequest("400 can't parse entities")), sleeps)
    with pytest.raises(BadRequest):
        send(body(), None, None)
    assert sleeps == []


def test_transient_errors_back_off_then_succeed(session_factory, sleeps):
    client = FakeClient(TransientError("502"), RateLimited("429", retry_after=3), {"message_id": 5})
    sender(session_factory, client, sleeps)(body(), None, None)
    assert len(client.sent) == 3
    assert 0 <= sleeps[0] <= 2 and sleeps[1] == 3  # backoff, then Telegram's retry_after


def test_persistent_outage_hands_over_to_the_retry_queue(session_factory, sleeps):
    client = FakeClient(*[TransientError("timeout")] * 10)
    with pytest.raises(TransientError):
        sender(session_factory, client, sleeps)(body(), None, None)
    assert len(client.sent) == 3 and len(sleeps) == 2


def test_a_sent_message_that_cannot_be_recorded_is_not_sent_again(session_factory, sleeps):
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    def database_away(session, *_):
        if any(isinstance(obj, Notification) for obj in session.new):
            raise OperationalError("INSERT", {}, Exception("database is away"))

    event.listen(session_factory, "before_flush", database_away)
    client = FakeClient()
    send = sender(session_factory, client, sleeps)
    send(body(), None, None)  # no exception: the consumer acks, nothing is sent again
    assert len(client.sent) == 1 and len(sleeps) == 3
    event.remove(session_factory, "before_flush", database_away)


def callback_answer(message_id="tg-2:0"):
    return encode(Outgoing(message_id=message_id, chat_id=42, text="",
                           method="answerCallbackQuery", extra={"callback_query_id": "77"}))


def test_a_callback_query_is_answered_once(session_factory, sleeps):
    client = FakeClient()
    send = sender(session_factory, client, sleeps)
    send(callback_answer(), None, None)
    send(callback_answer(), None, None)
    assert client.sent == [("answerCallbackQuery", {"callback_query_id": "77", "text": None})]


def test_a_callback_answer_that_came_too_late_is_dropped_not_parked(session_factory, sleeps):
    too_old = BadRequest("answerCallbackQuery: 400 Bad Request: query is too old and response "
                         "timeout expired or query ID is invalid")
    send = sender(session_factory, FakeClient(too_old), sleeps)
    send(callback_answer(), None, None)  # no exception: the reply after it still goes out
    with session_factory() as session:
        assert session.get(Notification, "tg-2:0") is not None


def test_a_callback_answer_without_its_query_id_is_malformed():
    from libs.contracts import decode_outgoing
    from libs.errors import DecodeError

    with pytest.raises(DecodeError, match="callback_query_id"):
        decode_outgoing(encode(Outgoing(message_id="x:0", chat_id=1, text="",
                                        method="answerCallbackQuery")))


def test_an_issued_letter_is_uploaded_from_the_database(session_factory, sleeps):
    from datetime import datetime

    from libs.errors import PermanentError
    from libs.siades.bot_models import LetterDocument

    with session_factory.begin() as session:
        session.add(LetterDocument(request_id=9, letter_log_id=1, number="S-14/001", pdf=b"%PDF",
                                   file_name="SKU-001.pdf", token="t", issued_by=1,
                                   issued_at=datetime(2026, 11, 28)))
    client = FakeClient()
    send = sender(session_factory, client, sleeps)

    def document(request_id, message_id):
        return encode(Outgoing(message_id=message_id, chat_id=42, text="Surat Anda",
                               method="sendDocument",
                               document={"letter_request_id": request_id}))

    send(document(9, "letter-9-1:1"), None, None)
    assert client.sent == [(42, "SKU-001.pdf", b"%PDF", "Surat Anda")]
    with pytest.raises(PermanentError, match="no issued letter"):
        send(document(10, "letter-10-1:1"), None, None)
