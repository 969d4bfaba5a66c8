"""Publisher and consumer loop against a real RabbitMQ node (a fresh vhost per test)."""

from __future__ import annotations

import threading
import time

import pika
import pytest

from libs import topology
from libs.config import Settings
from libs.errors import PermanentError, TransientError
from libs.messaging import Consumer, connection_parameters
from libs.publishing import Publisher


def settings_for(url: str, **overrides) -> Settings:
    return Settings(rabbitmq_url=url, retry_delay_ms=200, max_retries=2, **overrides)


def get_all(url: str, queue: str, wait: float = 5.0, expect: int = 1) -> list[tuple]:
    """Take up to `expect` messages from `queue`, waiting up to `wait` seconds in all.

    Consumes rather than polls: quorum queues with a single active consumer refuse basic.get.
    """
    got = []
    connection = pika.BlockingConnection(connection_parameters(url))
    channel = connection.channel()
    deadline = time.monotonic() + wait
    for method, properties, body in channel.consume(queue, inactivity_timeout=0.1):
        if method is not None:
            channel.basic_ack(method.delivery_tag)
            got.append((properties, body))
        if len(got) >= expect or time.monotonic() > deadline:
            break
    channel.cancel()
    connection.close()
    return got


class RunningConsumer:
    """A Consumer running in a thread for the duration of a `with` block."""

    def __init__(self, settings, queue, handler):
        self.consumer = Consumer(settings, queue, handler)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.consumer

    def __exit__(self, *exc):
        self.consumer.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


def test_publish_is_confirmed_and_routed(amqp_url):
    publisher = Publisher(settings_for(amqp_url))
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.biodata", b'{"x":1}', "m-1")
    [(properties, body)] = get_all(amqp_url, topology.DATA_QUEUE)
    assert body == b'{"x":1}'
    assert properties.message_id == "m-1"
    assert properties.delivery_mode == 2
    publisher.close()


def test_unroutable_publish_is_a_permanent_error(amqp_url):
    publisher = Publisher(settings_for(amqp_url))
    with pytest.raises(PermanentError):
        publisher.publish(topology.COMMANDS_EXCHANGE, "nobody.listens", b"{}", "m-2")
    publisher.close()


def test_broker_unreachable_is_transient():
    publisher = Publisher(settings_for("amqp://guest:guest@127.0.0.1:1/%2F"))
    with pytest.raises(TransientError):
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "m-3")
    assert publisher.is_reachable() is False


def test_publisher_reconnects_once_after_its_connection_was_closed(amqp_url, broker):
    publisher = Publisher(settings_for(amqp_url))
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.a", b"{}", "m-4")
    # Given the broker closes the publisher's connection (as after missed heartbeats) ...
    broker.close_connections(amqp_url)
    time.sleep(0.5)
    # ... the next publish still succeeds, over a new connection.
    publisher.publish(topology.COMMANDS_EXCHANGE, "data.b", b"{}", "m-5")
    assert len(get_all(amqp_url, topology.DATA_QUEUE, expect=2)) == 2
    publisher.close()


def test_consumer_acks_rejects_and_retries(amqp_url):
    seen: dict[bytes, int] = {}

    def handler(body, properties, publisher):
        seen[body] = seen.get(body, 0) + 1
        if body == b"poison":
            raise PermanentError("malformed")
        if body == b"flaky" and seen[body] < 2:
            raise TransientError("try later")
        if body == b"hopeless":
            raise TransientError("never works")

    settings = settings_for(amqp_url)
    publisher = Publisher(settings)
    with RunningConsumer(settings, topology.DATA_QUEUE, handler):
        for body in (b"ok", b"poison", b"flaky", b"hopeless"):
            publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", body, body.decode())
        dead = get_all(amqp_url, topology.dead_queue(topology.DATA_QUEUE), wait=10, expect=2)
    publisher.close()

    assert sorted(body for _, body in dead) == [b"hopeless", b"poison"]
    assert seen[b"ok"] == 1
    assert seen[b"poison"] == 1  # a permanent failure is never retried
    assert seen[b"flaky"] == 2  # came back through data_service.commands.retry
    assert seen[b"hopeless"] == 3  # the first try and max_retries=2 retries
    hopeless = next(props for props, body in dead if body == b"hopeless")
    assert hopeless.headers["x-retries"] == 2
    assert "never works" in hopeless.headers["x-last-error"]


def test_consumer_stops_on_request_and_leaves_unacked_messages_queued(amqp_url):
    started, release = threading.Event(), threading.Event()

    def slow(body, properties, publisher):
        started.set()
        release.wait(5)

    settings = settings_for(amqp_url, prefetch=1)
    publisher = Publisher(settings)
    runner = RunningConsumer(settings, topology.DATA_QUEUE, slow)
    with runner:
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"one", "one")
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"two", "two")
        assert started.wait(5)
        runner.consumer.stop()
        release.set()
    # The message in hand was finished and acked; the other one is still there.
    remaining = get_all(amqp_url, topology.DATA_QUEUE, expect=2, wait=2)
    assert [body for _, body in remaining] == [b"two"]
    publisher.close()


def test_consumer_reconnects_after_the_broker_closed_its_connection(amqp_url, broker):
    handled = []
    settings = settings_for(amqp_url)
    publisher = Publisher(settings)
    with RunningConsumer(settings, topology.DATA_QUEUE, lambda b, p, pub: handled.append(b)):
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"before", "before")
        deadline = time.monotonic() + 10
        while handled != [b"before"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # When the broker closes every connection (ConnectionClosedByBroker, as on a restart)
        broker.close_connections(amqp_url, at_least=2)  # the publisher's and the consumer's
        # Then the consumer comes back by itself and handles what is published next. (A
        # publish racing the publisher's own notice of the close fails, and is sent again,
        # as Telegram resends an update the gateway answered 503.)
        for attempt in range(3):
            try:
                publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"after", "after")
                break
            except TransientError:
                assert attempt < 2
        deadline = time.monotonic() + 15
        while handled != [b"before", b"after"]:
            assert time.monotonic() < deadline, handled
            time.sleep(0.05)
    publisher.close()


def test_a_retry_that_cannot_be_scheduled_parks_the_message(amqp_url, broker):
    settings = settings_for(amqp_url)
    publisher = Publisher(settings)
    assert publisher.is_reachable()  # connected: it declared the topology already

    def failing(body, properties, publisher):
        raise TransientError("database away")

    runner = RunningConsumer(settings, topology.DATA_QUEUE, failing)
    with runner:
        broker.wait_for_consumers(amqp_url, topology.DATA_QUEUE)
        # An operator deletes the retry queue under the running consumer
        connection = pika.BlockingConnection(connection_parameters(amqp_url))
        connection.channel().queue_delete(topology.retry_queue(topology.DATA_QUEUE))
        connection.close()
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"stuck", "stuck")
        dead = get_all(amqp_url, topology.dead_queue(topology.DATA_QUEUE), wait=10)
        assert runner.thread.is_alive()  # parked, and the consumer goes on
    assert [(props.headers or {}).get("x-retries") for props, _ in dead] == [None]
    assert [body for _, body in dead] == [b"stuck"]
    publisher.close()


def test_a_queue_declared_differently_stops_the_service_with_a_clear_message(amqp_url):
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    connection.channel().queue_declare(topology.DATA_QUEUE, durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": 3})
    connection.close()
    settings = settings_for(amqp_url)
    with pytest.raises(SystemExit, match="inequivalent arg"):
        Consumer(settings, topology.DATA_QUEUE, lambda *a: None).run()
    with pytest.raises(PermanentError, match="differ from libs/topology.py"):
        Publisher(settings).publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "m")
