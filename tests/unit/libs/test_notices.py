"""A dead command's notice, read leniently, and the one apology it makes (libs/notices.py); the
consumer loop's side of it: acks, the retry rule for a bug, the metric (libs/messaging.py)."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pika.compat
import pytest
from prometheus_client import REGISTRY

from libs import metrics, notices, texts, topology
from libs.config import Settings
from libs.contracts import Command, decode_outgoing, encode
from libs.errors import PermanentError, TransientError
from libs.logs import CORRELATION_HEADER
from libs.messaging import ERROR_HEADER, RETRIES_HEADER, Consumer
from tools import deploy_config

DATA = topology.DATA_QUEUE
COMMAND = Command(message_id="tg-501", update_id=501, service="data", action="biodata",
                  chat_id=7001, user_id=7001, text="Biodata")


def properties(message_id: str | None = "tg-501", **headers) -> SimpleNamespace:
    return SimpleNamespace(message_id=message_id, headers=headers)


def death(queue: str = DATA, reason: str = "rejected", count: int = 1) -> dict:
    """An x-death entry as pika decodes it."""
    return {"queue": queue, "reason": reason, "count": count, "exchange": "siades.commands",
            "routing-keys": ["data.biodata"]}


def pika_long(number: int) -> int:
    """A number as pika decodes a header's 64-bit integer: its own int subclass."""
    return pika.compat.long(number)


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- the names ---------------------------------------------------------------------------


def test_each_command_queue_has_a_notice_queue_bound_like_its_dead_queue():
    assert topology.notice_queue(DATA) == "data_service.commands.dead-notices"
    assert topology.noticed_queue(DATA) == topology.notice_queue(DATA)
    assert topology.noticed_queue(topology.LETTER_QUEUE) == topology.notice_queue(
        topology.LETTER_QUEUE)
    # A reply that dies gets no apology: it would most likely fail the same way.
    assert topology.noticed_queue(topology.NOTIFIER_QUEUE) is None
    assert topology.noticed_queue("q.test") is None
    queues = dict(topology.queues())
    assert topology.notice_queue(topology.NOTIFIER_QUEUE) not in queues
    for queue in (DATA, topology.LETTER_QUEUE):
        assert queues[topology.notice_queue(queue)] == {
            "x-queue-type": "quorum", "x-message-ttl": 24 * 3600 * 1000,
            "x-delivery-limit": topology.DELIVERY_LIMIT}
        assert (topology.notice_queue(queue), topology.DEAD_EXCHANGE, queue) \
            in topology.bindings()
        assert (topology.dead_queue(queue), topology.DEAD_EXCHANGE, queue) \
            in topology.bindings()


def test_each_worker_may_read_its_own_notice_queue_and_no_other():
    granted = deploy_config.permissions()

    def reads(user: str) -> set[str]:
        return {name for name, _ in topology.queues()
                if re.fullmatch(granted[user]["read"], name)}

    assert reads("data_service") == {DATA, topology.notice_queue(DATA)}
    assert reads("letter_service") == {topology.LETTER_QUEUE,
                                       topology.notice_queue(topology.LETTER_QUEUE)}
    assert reads("notifier") == {topology.NOTIFIER_QUEUE}
    assert reads("gateway") == {topology.REVOCATIONS_STREAM}  # /verify: withdrawn letters
    assert reads("ops") == {topology.dead_queue(wq.name) for wq in topology.WORK_QUEUES}
    assert {granted[u]["configure"] for u in granted} == {deploy_config.NOTHING}


# -- reading a notice --------------------------------------------------------------------


def test_a_command_is_read_with_why_it_died():
    notice = notices.read_notice(
        encode(COMMAND),
        properties(**{CORRELATION_HEADER: "tg-501", RETRIES_HEADER: 1,
                      ERROR_HEADER: "RuntimeError: boom", "x-death": [death()]}), DATA)
    assert notice == notices.Notice(message_id="tg-501", chat_id=7001, correlation_id="tg-501",
                                    reason="rejected", last_error="RuntimeError: boom",
                                    deaths=1)
    assert notices.why(notice) == "rejected; last error: RuntimeError: boom"


def test_a_body_the_contract_refuses_still_names_its_chat():
    # service "nope" and no user_id: a DecodeError for the worker, but a chat to tell
    body = json.dumps({"message_id": "tg-9", "chat_id": -1002, "service": "nope"}).encode()
    notice = notices.read_notice(body, properties(None, **{"x-death": [
        {"queue": DATA.encode(), "reason": b"rejected", "count": 1}]}), DATA)
    assert (notice.message_id, notice.chat_id, notice.reason) == ("tg-9", -1002, "rejected")
    assert notice.correlation_id == "tg-9"


@pytest.mark.parametrize("chat_id", ["7001", 7001.0, True, None, [7001], 2 ** 60])
def test_a_chat_id_that_is_no_telegram_chat_id_is_none(chat_id):
    body = json.dumps({"message_id": "tg-9", "chat_id": chat_id}).encode()
    assert notices.read_notice(body, properties(), DATA).chat_id is None


@pytest.mark.parametrize("body", [b"", b"\xff\xfe\x00garbage", b"[1, 2]", b'"text"', b"null",
                                  b"[" * 100_000, b'{"chat_id": 5, "message_id": 12}'])
def test_any_body_is_read_without_raising(body):
    notice = notices.read_notice(body, SimpleNamespace(message_id="m-1", headers=None), DATA)
    assert notice.message_id == "m-1"  # from the properties when the body has none
    assert notice.reason == "" and notice.deaths == 1


def test_the_message_id_falls_back_to_the_properties_then_the_update_id():
    long_id = "x" * 81
    assert notices.read_notice(json.dumps({"message_id": long_id, "chat_id": 1}).encode(),
                               properties("tg-3"), DATA).message_id == "tg-3"
    assert notices.read_notice(json.dumps({"update_id": 44, "chat_id": 1}).encode(),
                               properties(None), DATA).message_id == "tg-44"
    assert notices.read_notice(b'{"chat_id": 1}', properties(None), DATA).message_id is None


def test_deaths_in_the_work_queue_are_counted_across_a_requeue():
    # Died, sent back with tools.dead_letters (x-death kept), died again: the newest first.
    headers = {"x-death": [death(reason="delivery_limit"), death(count=pika_long(1)),
                           death(queue=topology.retry_queue(DATA), reason="expired", count=2)]}
    notice = notices.read_notice(encode(COMMAND), properties(**headers), DATA)
    assert (notice.reason, notice.deaths) == ("delivery_limit", 2)


# -- the apology -------------------------------------------------------------------------


def test_the_apology_is_short_polite_html_safe_indonesian_with_the_menu():
    notice = notices.read_notice(encode(COMMAND), properties(), DATA)
    message = notices.apology(notice)
    assert message.message_id == "tg-501:apology" == notices.apology_id("tg-501")
    assert (message.chat_id, message.method, message.parse_mode) == (7001, "sendMessage",
                                                                     "HTML")
    assert message.text == texts.COMMAND_FAILED
    assert message.reply_markup == texts.MAIN_MENU
    assert message.correlation_id == "tg-501"
    assert not set("<>&") & set(message.text) and len(message.text) < 200
    assert message.text.startswith("Mohon maaf") and "kantor desa" in message.text
    assert decode_outgoing(encode(message)) == message  # the notifier takes it as it is


class FakeChannel:
    def __init__(self):
        self.acked, self.requeued, self.rejected = [], [], []

    def basic_ack(self, tag):
        self.acked.append(tag)

    def basic_reject(self, tag, requeue):
        (self.requeued if requeue else self.rejected).append(tag)


class FakePublisher:
    def __init__(self, error: Exception | None = None):
        self.published, self.error = [], error

    def publish(self, exchange, routing_key, body, message_id, headers=None,
                expiration_ms=None):
        if self.error is not None:
            raise self.error
        self.published.append((exchange, routing_key, body, message_id, headers))


def notify(publisher, body: bytes = encode(COMMAND), queue: str = DATA, **headers):
    """Hand one notice to a Consumer of `queue`, as the broker would."""
    channel = FakeChannel()
    consumer = Consumer(Settings(), queue, lambda *a: None)
    consumer._on_notice(channel, SimpleNamespace(delivery_tag=1),
                        properties(**{CORRELATION_HEADER: "tg-501", **headers}), body,
                        publisher)
    return channel


def test_a_notice_is_acked_once_its_apology_is_published_and_counted():
    publisher = FakePublisher()
    before = value("siades_apologies_total", queue=DATA, outcome="sent")
    channel = notify(publisher, **{"x-death": [death()]})
    assert channel.acked == [1]
    [(exchange, routing_key, body, message_id, headers)] = publisher.published
    assert (exchange, routing_key) == (topology.OUTBOX_EXCHANGE, topology.OUTBOX_ROUTING_KEY)
    assert message_id == "tg-501:apology" == decode_outgoing(body).message_id
    assert headers == {CORRELATION_HEADER: "tg-501"}
    assert value("siades_apologies_total", queue=DATA, outcome="sent") == before + 1


def test_a_command_that_dies_again_is_published_again_but_counted_as_a_repeat():
    publisher = FakePublisher()
    before = value("siades_apologies_total", queue=DATA, outcome="repeat")
    notify(publisher, **{"x-death": [death(count=pika_long(2))]})
    # The same id: the notifier sends it only if the first never went.
    assert [p[3] for p in publisher.published] == ["tg-501:apology"]
    assert value("siades_apologies_total", queue=DATA, outcome="repeat") == before + 1


def test_a_notice_without_a_chat_is_acked_with_nothing_sent(caplog):
    publisher = FakePublisher()
    before = value("siades_apologies_total", queue=DATA, outcome="unaddressed")
    assert notify(publisher, b"not json").acked == [1]
    assert publisher.published == []
    assert value("siades_apologies_total", queue=DATA, outcome="unaddressed") == before + 1
    assert "names no chat" in caplog.text and "tg-501" in caplog.text


@pytest.mark.parametrize("error, requeued", [
    (TransientError("broker refused siades.outbox/outbox.send"), True),  # nacked: again
    (PermanentError("no queue bound for siades.outbox/outbox.send"), False),
    (RuntimeError("a bug on this path"), False),  # never a crash loop of the worker
])
def test_an_apology_that_cannot_be_published(error, requeued):
    before = value("siades_apologies_total", queue=DATA, outcome="failed")
    channel = notify(FakePublisher(error))
    assert (channel.requeued, channel.acked) == (([1], []) if requeued else ([], [1]))
    assert value("siades_apologies_total", queue=DATA, outcome="failed") == before + 1


def test_every_apology_series_shows_from_start():
    metrics.show_consumer("q.shown")
    for outcome in ("sent", "repeat", "unaddressed", "failed"):
        assert REGISTRY.get_sample_value("siades_apologies_total",
                                         {"queue": "q.shown", "outcome": outcome}) == 0.0


# -- the retry rule ----------------------------------------------------------------------


def settle(error: Exception, retries: int, max_retries: int = 8) -> tuple[str, list]:
    """What the consumer loop does with a message whose handler raises `error`."""
    def handler(body, properties, publisher):
        raise error

    consumer = Consumer(Settings(max_retries=max_retries), "q.test", handler)
    publisher = FakePublisher()
    outcome = consumer._settle(FakeChannel(), SimpleNamespace(delivery_tag=1),
                               properties(**{RETRIES_HEADER: retries}), b"{}", publisher)
    return outcome, publisher.published


def test_a_bug_is_retried_once_then_parked():
    outcome, published = settle(RuntimeError("bug"), retries=0)
    assert outcome == "retried"
    [(exchange, _, _, _, headers)] = published
    assert exchange == topology.RETRY_EXCHANGE and headers[RETRIES_HEADER] == 1
    assert settle(RuntimeError("bug"), retries=1) == ("parked", [])
    assert settle(KeyError("bug"), retries=0, max_retries=0) == ("parked", [])


def test_a_transient_error_keeps_the_whole_retry_schedule():
    assert settle(TransientError("database away"), retries=1)[0] == "retried"
    assert settle(TransientError("database away"), retries=7)[0] == "retried"
    assert settle(TransientError("database away"), retries=8) == ("parked", [])
    # A bug after transient failures is not given the rest of their schedule.
    assert settle(RuntimeError("bug"), retries=3) == ("parked", [])
