"""The Publisher shared by many threads: confirms come back together, each failure to its own
publish (a real RabbitMQ node, a fresh vhost per test)."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from urllib.parse import quote, unquote

import pika
import pytest
import requests

from libs import topology
from libs.config import Settings
from libs.errors import PermanentError, TransientError
from libs.messaging import connection_parameters
from libs.publishing import Publisher


@pytest.fixture
def publisher(amqp_url):
    publisher = Publisher(Settings(rabbitmq_url=amqp_url))
    yield publisher
    publisher.close()


def queued(url: str, queue: str = topology.DATA_QUEUE) -> int:
    """How many messages `queue` holds now (quorum queues count them in declare-ok)."""
    connection = pika.BlockingConnection(connection_parameters(url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads at once; return what each returned."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_eight_threads_publish_together_and_every_message_is_confirmed(amqp_url, publisher):
    def publish_200(i):
        for n in range(200):
            publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", f"t{i}-{n}")
        return 200

    assert sum(in_threads(8, publish_200)) == 1600
    assert queued(amqp_url) == 1600


def test_an_unroutable_message_fails_alone_while_the_others_in_flight_succeed(amqp_url,
                                                                            publisher):
    def publish_mixed(i):
        outcomes = Counter()
        for n in range(100):
            # Every tenth message of every thread goes where no queue is bound.
            key = "nobody.listens" if n % 10 == 0 else "data.x"
            try:
                publisher.publish(topology.COMMANDS_EXCHANGE, key, b"{}", f"t{i}-{n}")
                outcomes[key, "ok"] += 1
            except PermanentError:
                outcomes[key, "permanent"] += 1
        return outcomes

    outcomes = sum(in_threads(8, publish_mixed), Counter())
    assert outcomes == {("data.x", "ok"): 720, ("nobody.listens", "permanent"): 80}
    assert queued(amqp_url) == 720


def test_a_nack_is_a_transient_error(amqp_url, broker, publisher):
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "before")
    # Given an operator caps the queue at what it holds (it rejects new publishes: nack)
    vhost = quote(unquote(amqp_url.rsplit("/", 1)[1]), safe="")
    requests.put(f"{broker.api}/policies/{vhost}/full", auth=broker.auth, timeout=10, json={
        "pattern": f"^{topology.DATA_QUEUE}$", "apply-to": "queues",
        "definition": {"max-length": 1}}).raise_for_status()
    deadline = time.monotonic() + 10
    with pytest.raises(TransientError, match="refused"):
        while time.monotonic() < deadline:  # the policy reaches the queue within moments
            publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "refused")
            time.sleep(0.1)
    # The letter queue is not capped: the same publisher goes on working
    publisher.publish(topology.COMMANDS_EXCHANGE, "letter.x", b"{}", "letter")
    assert queued(amqp_url, topology.LETTER_QUEUE) == 1


def test_publishes_in_flight_when_the_broker_drops_the_connection_are_transient(
        amqp_url, broker, publisher):
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "first")
    stop = threading.Event()

    def publish_until_stopped(i):
        outcomes = Counter()
        n = 0
        while not stop.is_set():
            n += 1
            try:
                publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", f"t{i}-{n}")
                outcomes["ok"] += 1
            except TransientError:
                outcomes["transient"] += 1
        return outcomes

    def close_connections_mid_stream(i):
        if i < 8:
            return publish_until_stopped(i)
        time.sleep(0.5)
        vhost = unquote(amqp_url.rsplit("/", 1)[1])
        broker.node.ctl("close_all_connections", "-p", vhost, "test: broker restarting")
        time.sleep(0.5)
        stop.set()
        return Counter()

    outcomes = sum(in_threads(9, close_connections_mid_stream), Counter())
    # The publishes waiting for a confirm at that moment failed (nothing else did) ...
    assert set(outcomes) <= {"ok", "transient"}
    assert 1 <= outcomes["transient"] <= 8
    # ... every confirmed one is in the queue (a failed one may be too: at least once) ...
    assert queued(amqp_url) >= 1 + outcomes["ok"]
    # ... and the next publish goes out over a new connection.
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "after")


def test_a_forked_child_publishes_on_its_own_connection(amqp_url, publisher):
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "parent-1")
    pid = os.fork()
    if pid == 0:  # the child: the parent's connection and I/O thread are not its own
        try:
            publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "child")
            publisher.close()
        except BaseException:  # noqa: BLE001 - the exit code tells the parent
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The child left the parent's connection alone.
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "parent-2")
    assert queued(amqp_url) == 3


def test_close_then_publish_again(amqp_url, publisher):
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "one")
    publisher.close()
    assert publisher.is_reachable()
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "two")
    assert queued(amqp_url) == 2


def test_closing_is_quiet(amqp_url, publisher, caplog):
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.biodata", b"{}", "quiet-1")
    publisher.close()
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []


def test_a_publish_the_broker_closes_the_channel_over_fails_and_the_next_one_works(
        amqp_url, publisher):
    # Publishing to an exchange that does not exist: the broker closes the channel (404)
    with pytest.raises(TransientError, match="NOT_FOUND"):
        publisher.publish("no.such.exchange", "data.x", b"{}", "lost")
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "next")
    assert queued(amqp_url) == 1
