"""The webhook's answers: authenticate, limit, validate, publish, and only then 200."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.config import Settings
from libs.contracts import decode_command
from libs.errors import TransientError
from services.gateway.app import create_app

SECRET = "s3cret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


class FakePublisher:
    """Records publishes; can be told the broker is down."""

    def __init__(self):
        self.published = []
        self.down = False

    def publish(self, exchange, routing_key, body, message_id, headers=None):
        if self.down:
            raise TransientError("broker unreachable")
        self.published.append((exchange, routing_key, body, message_id))

    def is_reachable(self):
        return not self.down


@pytest.fixture
def publisher():
    return FakePublisher()


@pytest.fixture
def client(publisher):
    app = create_app(Settings(telegram_webhook_secret=SECRET, max_body_bytes=4096), publisher)
    return app.test_client()


def update(text="Biodata", update_id=500):
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1764300000, "text": text,
        "chat": {"id": 77, "type": "private"},
        "from": {"id": 77, "is_bot": False, "first_name": "Sari", "language_code": "id"}}}


def test_a_message_is_published_then_acknowledged(client, publisher):
    response = client.post("/telegram/webhook", json=update(), headers=HEADERS)
    assert response.status_code == 200
    [(exchange, routing_key, body, message_id)] = publisher.published
    assert (exchange, routing_key, message_id) == ("siades.commands", "data.biodata", "tg-500")
    command = decode_command(body)
    assert (command.chat_id, command.first_name) == (77, "Sari")


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}])
def test_missing_or_wrong_secret_is_401(client, publisher, headers):
    response = client.post("/telegram/webhook", json=update(), headers=headers)
    assert response.status_code == 401
    assert publisher.published == []


def test_oversized_body_is_413(client, publisher):
    body = json.dumps(update("x" * 5000))
    response = client.post("/telegram/webhook", data=body, headers=HEADERS,
                           content_type="application/json")
    assert response.status_code == 413
    assert publisher.published == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b""])
def test_invalid_json_is_400(client, body):
    response = client.post("/telegram/webhook", data=body, headers=HEADERS,
                           content_type="application/json")
    assert response.status_code == 400


def test_json_that_is_not_an_update_is_400(client):
    response = client.post("/telegram/webhook", json={"hello": 1}, headers=HEADERS)
    assert response.status_code == 400


def test_kinds_we_do_not_serve_are_200_and_not_published(client, publisher):
    response = client.post("/telegram/webhook", headers=HEADERS,
                           json={"update_id": 9, "my_chat_member": {"x": 1}})
    assert response.status_code == 200 and response.get_json()["ignored"] is True
    assert publisher.published == []


def test_broker_down_is_503_so_telegram_retries(client, publisher):
    publisher.down = True
    response = client.post("/telegram/webhook", json=update(), headers=HEADERS)
    assert response.status_code == 503
    assert client.get("/healthz").status_code == 503
    publisher.down = False
    assert client.post("/telegram/webhook", json=update(), headers=HEADERS).status_code == 200
    assert client.get("/healthz").get_json()["broker"] == "reachable"


def test_other_paths_and_methods(client):
    assert client.get("/telegram/webhook").status_code == 405
    assert client.post("/nope").status_code == 404


def test_the_gateway_refuses_to_start_without_a_secret():
    with pytest.raises(SystemExit, match="TELEGRAM_WEBHOOK_SECRET"):
        create_app(Settings(telegram_webhook_secret=""), FakePublisher())


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=1500), update_id=st.integers(min_value=1, max_value=2**53))
def test_well_formed_json_never_gets_a_5xx(client, text, update_id):
    response = client.post("/telegram/webhook", json=update(text, update_id), headers=HEADERS)
    assert response.status_code in (200, 413)


@pytest.mark.parametrize("secret", ["rahasia desa", "kunci!", "ünïcode", "x" * 257])
def test_the_gateway_refuses_a_secret_telegram_cannot_send(secret):
    with pytest.raises(SystemExit, match="A-Z, a-z, 0-9, _ and -"):
        create_app(Settings(telegram_webhook_secret=secret), FakePublisher())
