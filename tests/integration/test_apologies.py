"""A command that cannot be answered is never silent: whatever parks it in `<queue>.dead`, the
resident gets one apology, and only one, even when an operator sends the command back and it
dies again. (The delivery limit with real worker deaths: tests/faults/test_fault_poison.py.)"""

from __future__ import annotations

import json
import threading
import time

import pika
import pytest

from libs import texts, topology
from libs.config import Settings
from libs.contracts import Command, decode_outgoing, encode
from libs.messaging import ERROR_HEADER, RETRIES_HEADER, Consumer, persistent
from tests.support.faults import lift_flood_limits, without_flood_limits
from tests.support.poison_worker import BUG, BUG_CHAT
from tests.support.system import System
from tools import dead_letters

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

DATA = topology.DATA_QUEUE
DEAD, NOTICES = topology.dead_queue(DATA), topology.notice_queue(DATA)


def count(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def wait_for(condition, timeout: float, what: str) -> float:
    """Poll condition() until it holds; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout}s"
        time.sleep(0.05)
    return time.monotonic() - started


# -- the broker and the consumer loop alone ----------------------------------------------


def test_a_command_over_the_delivery_limit_gets_one_apology(amqp_url):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    topology.declare(channel)
    channel.confirm_delivery()
    command = Command(message_id="tg-7", update_id=7, service="data", action="biodata",
                      chat_id=5150, user_id=5150)
    channel.basic_publish(topology.COMMANDS_EXCHANGE, command.routing_key, encode(command),
                          persistent(command.message_id), mandatory=True)
    # Given its consumer gave it back unfinished every time (as a consumer that dies does),
    # until the quorum queue's delivery limit dead-lettered it, which no worker sees
    returns = 0
    while True:
        method, _, _ = channel.basic_get(DATA)
        if method is None:
            break
        channel.basic_reject(method.delivery_tag, requeue=True)
        returns += 1
    wait_for(lambda: count(channel, NOTICES) == 1 and count(channel, DEAD) == 1, 10,
             "a copy in .dead and one in .dead-notices")

    # When the worker runs, beside its work queue it takes the notice
    consumer = Consumer(Settings(rabbitmq_url=amqp_url), DATA, lambda *a: None)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: count(channel, topology.NOTIFIER_QUEUE) == 1, 10, "the apology")
        wait_for(lambda: count(channel, NOTICES) == 0, 10, "the notice acked")
    finally:
        consumer.stop()
        thread.join(10)
    # (basic.get is refused on a queue with a single active consumer)
    method, properties, body = next(channel.consume(topology.NOTIFIER_QUEUE, auto_ack=True,
                                                    inactivity_timeout=5))
    apology = decode_outgoing(body)
    channel.cancel()
    connection.close()

    # Then the resident's chat gets one apology, derived from the command's id
    assert returns == topology.DELIVERY_LIMIT + 1
    assert (apology.message_id, apology.chat_id, apology.text) == (
        "tg-7:apology", 5150, texts.COMMAND_FAILED)
    assert properties.message_id == "tg-7:apology"
    assert count_after_close(amqp_url, DEAD) == 1  # still there for an operator


def count_after_close(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return count(connection.channel(), queue)
    finally:
        connection.close()


# -- the whole system --------------------------------------------------------------------


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RABBITMQ_URL", amqp_url)  # for tools.dead_letters
    system = without_flood_limits(System(amqp_url, sqlite_url, tmp_path))
    system.services = {"gateway": system.services["gateway"],
                       "data_service": ["-m", "tests.support.poison_worker"],
                       "notifier": system.services["notifier"]}
    system.start()
    lift_flood_limits(system)
    yield system
    system.stop()


def test_a_bug_is_parked_after_one_retry_and_the_resident_told_once_even_after_a_requeue(
        system, amqp_url, capsys):
    # Given a command that meets a bug every time (MAX_RETRIES is 8: retried for minutes if
    # it were a TransientError)
    started = time.monotonic()
    update_id = system.send(BUG_CHAT, "Biodata")
    message_id = f"tg-{update_id}"

    # Then the resident is told within seconds, with the main menu
    [apology] = system.messages(BUG_CHAT, wait=15)
    told_after = time.monotonic() - started
    assert apology["text"] == texts.COMMAND_FAILED
    assert apology["reply_markup"] == texts.MAIN_MENU
    # and the command is parked after one retry, with the bug as its last error
    assert dead_letters.main(["list", DATA, "--json"]) == 0
    [parked] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (parked["message_id"], parked["reason"], parked["retries"]) == (
        message_id, "rejected", 1)
    assert BUG in parked["last_error"]

    # When an operator sends it back without mending the bug, and it dies again
    requeued = time.monotonic()
    assert dead_letters.main(["requeue", DATA]) == 0
    assert "1 message(s) moved" in capsys.readouterr().out
    notifier_log = system.log_dir / "notifier.log"
    skipped = f"message {message_id}:apology already sent; skipped"
    wait_for(lambda: skipped in notifier_log.read_text(), 20, "the second apology dropped")
    again_after = time.monotonic() - requeued

    # Then it is parked again, but the resident hears nothing more
    assert system.messages(BUG_CHAT, wait=1) == []
    worker_log = (system.log_dir / "data_service.log").read_text()
    assert f"command {message_id} ended in {DEAD} again" in worker_log
    assert worker_log.count(f"message {message_id} failed unexpectedly") == 4  # 2 + 2 tries
    assert dead_letters.main(["list", DATA, "--json"]) == 0
    [parked] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (parked["message_id"], parked["reason"], parked["retries"]) == (
        message_id, "rejected", 1)  # one retry again: the requeue reset the count
    print(f"\napology: told {told_after:.1f} s after the command (one retry, {RETRIES_HEADER} "
          f"1, {ERROR_HEADER} {parked['last_error']!r}); requeued, died again, the repeat "
          f"dropped by the notifier {again_after:.1f} s later; 1 message in the chat")
