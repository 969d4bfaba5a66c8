"""The metrics: labels stay bounded, the consumer loop counts each outcome under the message's
correlation id, the gateway and the Bot API client count what they see, and the small server
answers /metrics and /healthz."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
import requests
from prometheus_client import REGISTRY, CollectorRegistry

from libs import metrics
from libs.config import Settings
from libs.errors import DecodeError, TransientError
from libs.logs import CORRELATION_HEADER, correlation_id
from libs.messaging import Consumer
from libs.telegram import TelegramClient
from services.gateway.app import create_app
from tools.telegram_sim.app import create_app as create_sim
from tools.telegram_sim.testing import TEST_TOKEN, serve

SECRET = "s3cret"


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(("raw", "kind"), [
    ({"update_id": 1, "message": {}}, "message"),
    ({"update_id": 1, "edited_message": {}}, "edited_message"),
    ({"update_id": 1, "callback_query": {}}, "callback_query"),
    ({"update_id": 1, "something_new": {}}, "unknown"),
    ([1, 2], "unknown"),
])
def test_update_kinds_are_the_bot_apis_or_unknown(raw, kind):
    assert metrics.update_kind(raw) == kind


def test_action_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(metrics, "_actions", set())
    assert metrics.action_label("data.biodata") == "data.biodata"
    assert metrics.action_label("data.<script>") == "other"
    assert metrics.action_label("x" * 40 + ".y") == "other"
    for n in range(metrics.MAX_ACTIONS - 1):
        metrics.action_label(f"letter.a{n}")
    assert metrics.action_label("letter.one_too_many") == "other"
    assert metrics.action_label("data.biodata") == "data.biodata"  # known ones stay


@pytest.mark.parametrize(("code", "label"), [(200, "200"), (400, "400"), (403, "403"),
                                             (429, "429"), (502, "5xx"), (302, "3xx")])
def test_http_statuses_become_few_labels(code, label):
    assert metrics.http_status(code) == label


class FakeChannel:
    def __init__(self):
        self.acked, self.rejected = [], []

    def basic_ack(self, tag):
        self.acked.append(tag)

    def basic_reject(self, tag, requeue):
        self.rejected.append(tag)


class FakePublisher:
    def __init__(self):
        self.published = []

    def publish(self, *args, **kwargs):
        self.published.append(args)


def deliver(handler, headers=None, message_id="tg-9"):
    consumer = Consumer(Settings(max_retries=1), "q.test", handler)
    channel = FakeChannel()
    properties = SimpleNamespace(headers=headers or {}, message_id=message_id)
    consumer._on_message(channel, SimpleNamespace(delivery_tag=1), properties, b"{}",
                         FakePublisher())
    return channel


def test_the_consumer_counts_by_action_and_outcome_under_the_correlation_id():
    seen = []

    def handler(body, properties, publisher):
        metrics.note(action="data.biodata")
        seen.append(correlation_id.get())

    before = value("siades_commands_total", queue="q.test", action="data.biodata", outcome="ok")
    hist = value("siades_command_seconds_count", queue="q.test", action="data.biodata")
    assert deliver(handler, {CORRELATION_HEADER: "tg-42"}).acked == [1]
    assert seen == ["tg-42"] and correlation_id.get() == ""
    assert value("siades_commands_total", queue="q.test", action="data.biodata",
                 outcome="ok") == before + 1
    assert value("siades_command_seconds_count", queue="q.test",
                 action="data.biodata") == hist + 1
    deliver(handler, message_id="tg-43")  # no header: the message id is the correlation id
    assert seen[-1] == "tg-43"


def test_duplicates_retries_and_rejections_are_counted():
    def duplicate(body, properties, publisher):
        metrics.note(action="data.start", outcome="duplicate")

    def failing(body, properties, publisher):
        metrics.note(action="data.start")
        raise TransientError("database away")

    def malformed(body, properties, publisher):
        raise DecodeError("not JSON")

    labels = {"queue": "q.test"}
    counts = {o: value("siades_commands_total", action="data.start", outcome=o, **labels)
              for o in ("duplicate", "retried", "parked")}
    retries = value("siades_retries_total", **labels)
    rejected = value("siades_dead_lettered_total", reason="rejected", **labels)
    deliver(duplicate)
    deliver(failing)
    deliver(failing, headers={"x-retries": 1})  # max_retries=1: parked
    assert deliver(malformed).rejected == [1]
    for outcome in counts:
        assert value("siades_commands_total", action="data.start", outcome=outcome,
                     **labels) == counts[outcome] + 1
    assert value("siades_retries_total", **labels) == retries + 1
    assert value("siades_dead_lettered_total", reason="rejected", **labels) == rejected + 1
    assert value("siades_commands_total", action="unknown", outcome="rejected", **labels) >= 1


def test_the_gateway_counts_updates_by_kind_and_refusals_by_reason():
    published = []
    publisher = SimpleNamespace(publish=lambda *args: published.append(args))
    client = create_app(Settings(telegram_webhook_secret=SECRET), publisher).test_client()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = {"update_id": 77, "message": {
        "message_id": 1, "date": 0, "text": "Biodata", "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"}}}
    before = gateway_counts()
    assert client.post("/telegram/webhook", json=update, headers=headers).status_code == 200
    assert published[0][4] == {CORRELATION_HEADER: "tg-77"}
    client.post("/telegram/webhook", headers=headers,
                json={"update_id": 78, "edited_message": update["message"]})
    client.post("/telegram/webhook", json=update)
    client.post("/telegram/webhook", data=b"{", headers=headers)
    page = client.get("/metrics")
    assert page.status_code == 200 and "text/plain" in page.content_type
    assert b'siades_gateway_updates_total{kind="message",outcome="published"}' in page.data
    after = gateway_counts()
    assert {name: after[name] - before[name] for name in before} == dict.fromkeys(before, 1)


def gateway_counts() -> dict[str, float]:
    """The gateway's counters one request of each kind moves."""
    return {
        "published": value("siades_gateway_updates_total", kind="message", outcome="published"),
        "ignored": value("siades_gateway_updates_total", kind="edited_message",
                         outcome="ignored"),
        "unauthorized": value("siades_gateway_refused_total", reason="unauthorized"),
        "not_json": value("siades_gateway_refused_total", reason="not_json"),
        "latency": value("siades_gateway_publish_seconds_count"),
    }


def test_bot_api_calls_are_counted_by_method_and_status():
    with serve(create_sim(TEST_TOKEN)) as sim:
        before = value("siades_telegram_calls_total", method="getMe", status="200")
        TelegramClient(sim, TEST_TOKEN).call("getMe")
        assert value("siades_telegram_calls_total", method="getMe", status="200") == before + 1
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    before = value("siades_telegram_calls_total", method="getMe", status="network")
    with pytest.raises(TransientError):
        TelegramClient(f"http://127.0.0.1:{port}", TEST_TOKEN).call("getMe")
    assert value("siades_telegram_calls_total", method="getMe", status="network") == before + 1


def test_letter_states_are_read_at_scrape_time_and_survive_a_failing_database():
    counts = {"checking": 2, "ready": 1}
    registry = CollectorRegistry()
    registry.register(metrics.LetterStates(lambda: counts))
    assert registry.get_sample_value("siades_letter_requests", {"state": "checking"}) == 2
    counts["checking"] = 5
    assert registry.get_sample_value("siades_letter_requests", {"state": "checking"}) == 5

    def broken():
        raise OSError("database away")

    registry = CollectorRegistry()
    registry.register(metrics.LetterStates(broken))
    assert registry.get_sample_value("siades_letter_requests", {"state": "checking"}) is None


def test_the_server_answers_metrics_and_health_until_closed():
    health = {"ok": (True, "consuming q")}
    server = metrics.serve(0, lambda: health["ok"])
    assert server is None  # METRICS_PORT=0: no server
    server = metrics.MetricsServer(0, lambda: health["ok"])
    base = f"http://127.0.0.1:{server.port}"
    try:
        page = requests.get(f"{base}/metrics", timeout=5)
        assert page.status_code == 200 and "# HELP siades_commands_total" in page.text
        answer = requests.get(f"{base}/healthz", timeout=5)
        assert (answer.status_code, answer.text) == (200, "consuming q\n")
        health["ok"] = (False, "not consuming q: no broker connection")
        answer = requests.get(f"{base}/healthz", timeout=5)
        assert (answer.status_code, answer.text.strip()) == (503, health["ok"][1])
        assert requests.get(f"{base}/other", timeout=5).status_code == 404
    finally:
        server.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=5)
