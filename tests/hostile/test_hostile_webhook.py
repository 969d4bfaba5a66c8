"""The webhook's HTTP layer under fuzzing: 401, 413 and 400 where due, and never a 5xx."""

from __future__ import annotations

import io
import json

import pika
import pytest
from hostile_inputs import HOSTILE, json_value, served_update, texts, update
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from libs import topology
from libs.config import Settings
from libs.contracts import decode_command
from libs.messaging import connection_parameters
from libs.publishing import Publisher
from services.gateway.app import create_app
from services.gateway.updates import InvalidUpdate, parse_update

SECRET = "rahasia-desa_0123456789"  # Telegram allows A-Z a-z 0-9 _ - in a secret token
MAX_BODY = 64 * 1024
WEBHOOK = "/telegram/webhook"


class CommandRecorder:
    """Stands in for the broker: keeps each Command published, decoded as a worker would."""

    def __init__(self):
        self.published = []

    def publish(self, exchange, routing_key, body, message_id, headers=None) -> None:
        command = decode_command(body)
        assert (exchange, routing_key, message_id) == (
            topology.COMMANDS_EXCHANGE, command.routing_key, command.message_id)
        self.published.append(command)

    def is_reachable(self) -> bool:
        return True


@pytest.fixture(scope="module")
def recorder():
    return CommandRecorder()


@pytest.fixture(scope="module")
def client(recorder):
    settings_ = Settings(telegram_webhook_secret=SECRET, max_body_bytes=MAX_BODY)
    return create_app(settings_, publisher=recorder).test_client()


def post(client, body: bytes, secret: str | None = SECRET, **kwargs):
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(WEBHOOK, data=body, headers=headers, content_type="application/json",
                       **kwargs)


def expected_outcome(raw) -> str:
    """What parse_update makes of `raw`: 'invalid', 'ignored' or 'command'."""
    try:
        return "command" if parse_update(raw) is not None else "ignored"
    except InvalidUpdate:
        return "invalid"


def assert_answered(client, recorder, raw, ensure_ascii: bool) -> None:
    body = json.dumps(raw, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    before = len(recorder.published)
    response = post(client, body)
    if len(body) > MAX_BODY:
        assert response.status_code == 413
        assert len(recorder.published) == before
        return
    try:
        outcome = expected_outcome(json.loads(body))
    except ValueError:  # ensure_ascii=False wrote a lone surrogate: not UTF-8, so not JSON
        outcome = "invalid"
    assert response.status_code == (400 if outcome == "invalid" else 200), response.get_json()
    assert len(recorder.published) == before + (outcome == "command")


@settings(HOSTILE, max_examples=500)
@given(raw=st.one_of(update, served_update), ensure_ascii=st.booleans())
def test_any_update_shaped_body_is_200_400_or_413(client, recorder, raw, ensure_ascii):
    assert_answered(client, recorder, raw, ensure_ascii)


@settings(HOSTILE, max_examples=200)
@given(raw=json_value)
def test_any_json_body_is_200_or_400(client, recorder, raw):
    assert_answered(client, recorder, raw, ensure_ascii=True)


@settings(HOSTILE, max_examples=200)
@given(body=st.binary(max_size=2000))
def test_bytes_that_are_not_json_are_400(client, recorder, body):
    try:
        json.loads(body)
    except ValueError:
        assert post(client, body).status_code == 400
    else:
        assert post(client, body).status_code in (200, 400)


@settings(HOSTILE, max_examples=200)
@given(secret=st.one_of(texts(max_size=40), st.just(SECRET).flatmap(
    lambda s: st.integers(0, len(s)).map(lambda i: s[:i] + "\u00e9" + s[i + 1:]))))
def test_a_wrong_secret_is_401_whatever_its_characters(client, recorder, secret):
    # A WSGI server hands header bytes to the app as latin-1; that is what a client's UTF-8 or
    # a stray surrogate becomes.
    header = secret.encode("utf-8", "surrogatepass").decode("latin-1")
    assume(header.strip() != SECRET and not set(header) & set("\r\n\x00"))
    before = len(recorder.published)
    served = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                          "from": {"id": 1}, "text": "Biodata"}}
    response = post(client, json.dumps(served).encode(), secret=header)
    assert response.status_code == 401
    assert len(recorder.published) == before


@pytest.mark.parametrize("secret", [None, "", SECRET[:-1], SECRET + "x", SECRET.upper(),
                                    SECRET.encode().decode("latin-1") + "\u00ff"])
def test_a_missing_or_near_miss_secret_is_401(client, secret):
    assert post(client, b'{"update_id": 1}', secret=secret).status_code == 401


def test_a_wrong_secret_is_401_even_for_an_oversized_body(client):
    assert post(client, b"x" * (MAX_BODY + 1), secret="wrong").status_code == 401


def padded(size: int) -> bytes:
    """A served Update of exactly `size` bytes."""
    raw = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                       "from": {"id": 1}, "text": "Biodata", "pad": ""}}
    raw["message"]["pad"] = "x" * (size - len(json.dumps(raw)))
    body = json.dumps(raw).encode()
    assert len(body) == size
    return body


def test_the_body_limit_is_exact(client):
    assert post(client, padded(MAX_BODY)).status_code == 200
    assert post(client, padded(MAX_BODY + 1)).status_code == 413
    assert post(client, padded(10 * MAX_BODY)).status_code == 413


def test_an_oversized_chunked_body_without_a_length_is_413(client):
    # What gunicorn passes on for `Transfer-Encoding: chunked`: a stream and no Content-Length.
    response = client.post(WEBHOOK, input_stream=io.BytesIO(padded(MAX_BODY + 1)),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                           content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"[" * 30_000 + b"]" * 30_000,
    b'{"update_id": 1, "message": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001,
])
def test_deeply_nested_json_is_400(client, body):
    assert post(client, body).status_code == 400


@pytest.mark.parametrize("body", [
    b'{"update_id": 1, "message": {"message_id": 1, "date": Infinity, "text": "Biodata",'
    b' "chat": {"id": 1, "type": "private"}, "from": {"id": 1}}}',
    b'{"update_id": NaN}',
    b'{"update_id": 1e400}',
    b'{"update_id": 1' + b"0" * 5000 + b"}",  # past int()'s digit limit
    b'{"update_id": 1, "update_id": "x"}',
    b"\xef\xbb\xbf{\"update_id\": 1}",
    '{"update_id": 1}'.encode("utf-16"),
    b'{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},'
    b' "from": {"id": 1}, "text": "\\ud800\\udfff\\u0000"}}',
])
def test_odd_but_parseable_bodies_are_never_5xx(client, body):
    assert post(client, body).status_code in (200, 400)


ODD_UPDATES = [
    {"update_id": 10, "message_reaction": {"chat": {"id": 1}}},
    {"update_id": 11, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                  "from": {"id": 1}, "text": "DAFTAR#\ud800#<b>'; --"}},
    {"update_id": 12, "callback_query": {"id": "q", "from": {"id": 1}, "data": "AJUKAN SKU"}},
    {"update_id": 13, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                  "from": {"id": 1}, "text": "SKU" + "#x" * 20_000}},
    {"update_id": 2**64, "message": {}},
    {"update_id": 14, "message": {"message_id": 1, "chat": {"id": 2**70, "type": "private"},
                                  "from": {"id": 1}, "text": "Biodata"}},
    {"update_id": 15, "edited_message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                         "from": {"id": 1}, "text": "Biodata"}},
]


def test_odd_updates_through_the_real_broker_are_200_or_400(amqp_url):
    publisher = Publisher(Settings(rabbitmq_url=amqp_url))
    app = create_app(Settings(telegram_webhook_secret=SECRET, rabbitmq_url=amqp_url),
                     publisher=publisher)
    client = app.test_client()
    try:
        answers = [post(client, json.dumps(raw).encode()).status_code for raw in ODD_UPDATES]
    finally:
        publisher.close()
    assert answers == [200, 200, 200, 200, 400, 200, 200]

    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    try:
        channel = connection.channel()
        counts = {queue: channel.queue_declare(queue, passive=True).method.message_count
                  for queue in (topology.DATA_QUEUE, topology.LETTER_QUEUE)}
        _, _, body = channel.basic_get(topology.DATA_QUEUE, auto_ack=False)
        assert decode_command(body).args == ("\ufffd", "<b>'; --")
    finally:
        connection.close()
    assert counts == {topology.DATA_QUEUE: 1, topology.LETTER_QUEUE: 1}
