"""Connecting, publishing on a consumer's channel, and the one consumer loop with the whole ack
policy. (The gateway's and the watcher's publisher is libs/publishing.py.)

Ack policy (`Consumer._settle`), in one place; each outcome is counted (libs/metrics.py) and
logged under the message's correlation id:
    handler returns            -> ack
    DecodeError/PermanentError -> reject without requeue: the queue dead-letters it to `<q>.dead`
    TransientError             -> copy to `siades.retry` (back in `<q>` after a delay that
                                  doubles each time), ack; after `max_retries` copies, or if
                                  the copy cannot be made, reject to `<q>.dead`
    another exception (a bug)  -> the same, but BUG_RETRIES (1) copy at most: a second look
                                  may pass a race; a bug fails again while the resident waits
    the broker connection lost -> nothing: the broker redelivers what was not acked
A worker killed mid-message never acks: the broker redelivers, and the quorum queue's
delivery limit parks a message that keeps killing its consumer.

Whatever a command queue dead-letters, for any of these reasons, the broker also copies into
`<q>.dead-notices`; the same consumer takes those beside `<q>` and acks each once its apology
to the resident is confirmed (libs/notices.py): one that names no chat, is refused as
unroutable or breaks, is acked without one; a nacked apology returns its notice to the queue,
whose delivery limit drops it after DELIVERY_LIMIT tries.
"""

from __future__ import annotations

import logging
import os
import ssl
import sys
import threading
import time
from collections.abc import Callable

import pika
from pika.exceptions import (
    AMQPChannelError,
    AMQPConnectionError,
    ChannelClosedByBroker,
    NackError,
    UnroutableError,
)

from libs import metrics, notices, topology
from libs.config import Settings
from libs.errors import PermanentError, ServiceError, TransientError
from libs.identity import mask_in_text
from libs.logs import CORRELATION_HEADER, correlated
from libs.notices import ERROR_HEADER

log = logging.getLogger(__name__)

RETRIES_HEADER = "x-retries"
# Retries of a message that failed with anything but a TransientError: a race may pass on a
# second look; a bug will not, and the resident should hear of it in seconds, not minutes.
BUG_RETRIES = 1
MAX_RETRY_DELAY_MS = 60_000
BROKER_ERRORS = (AMQPConnectionError, AMQPChannelError, ConnectionError, OSError)


class TopologyMismatch(PermanentError):
    """The broker holds a queue or exchange declared with other arguments than ours."""


def retry_delay_ms(base_ms: int, retries: int) -> int:
    """Delay before retry number `retries + 1`: base, 2 x base, 4 x base ... up to a minute."""
    return min(base_ms * 2 ** retries, MAX_RETRY_DELAY_MS)


def connection_name(name: str = "") -> str:
    """How the broker's console lists this process's connection: "notifier pid 1234"; without
    a name, the program's ("tools.dead_letters pid 1234")."""
    return f"{name or program()} pid {os.getpid()}"


def program() -> str:
    """The running program: the module `python -m` ran, else the script's file name."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:
        return spec.name.removesuffix(".__main__")
    return os.path.basename(sys.argv[0]) or "python"


def connection_parameters(url: str, name: str = "", *,
                          heartbeat: int = 60) -> pika.URLParameters:
    """Parameters for `url` with timeouts, so a dead or blocked broker is noticed, and the
    connection named for the broker's console (`connection_name`)."""
    params = pika.URLParameters(url)
    params.client_properties = {"connection_name": connection_name(name)}
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 30
    params.socket_timeout = 5
    params.stack_timeout = 10
    params.connection_attempts = 1
    return params


def persistent(message_id: str, headers: dict | None = None,
               expiration_ms: int | None = None) -> pika.BasicProperties:
    """Properties of a persistent JSON message."""
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=message_id,
        timestamp=int(time.time()),
        headers=headers or {},
        expiration=None if expiration_ms is None else str(expiration_ms),
    )


def publish_confirmed(channel, exchange: str, routing_key: str, body: bytes, properties) -> None:
    """Publish on a confirming channel: PermanentError if unroutable, TransientError if nacked."""
    try:
        channel.basic_publish(exchange, routing_key, body, properties, mandatory=True)
    except UnroutableError as exc:
        raise PermanentError(f"no queue bound for {exchange}/{routing_key}") from exc
    except NackError as exc:
        raise TransientError(f"broker refused {exchange}/{routing_key}") from exc


class ChannelPublisher:
    """Publishes with confirms on a channel a consumer already holds."""

    def __init__(self, channel):
        self._channel = channel

    def publish(
        self, exchange: str, routing_key: str, body: bytes, message_id: str,
        headers: dict | None = None, expiration_ms: int | None = None,
    ) -> None:
        """Publish persistently and wait for the broker's confirm."""
        properties = persistent(message_id, headers, expiration_ms)
        publish_confirmed(self._channel, exchange, routing_key, body, properties)


Handler = Callable[[bytes, pika.BasicProperties, ChannelPublisher], None]


def declare_topology(channel, declare: bool = True) -> None:
    """Declare libs/topology.py on a blocking channel (declare=False: only check that it is
    there); TopologyMismatch if the broker differs or lacks part of it."""
    try:
        if declare:
            topology.declare(channel)
        else:
            topology.check(channel)
    except ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            raise topology_mismatch(exc) from exc
        if exc.reply_code == 404 and not declare:
            raise topology_missing(exc) from exc
        raise


def topology_mismatch(exc: ChannelClosedByBroker) -> TopologyMismatch:
    """The error for a 406 the broker gave when we declared our topology."""
    return TopologyMismatch(
        f"the broker's queues differ from libs/topology.py ({exc.reply_text}); "
        "delete the old queue or change it with a policy"
    )


def topology_missing(exc: ChannelClosedByBroker) -> TopologyMismatch:
    """The error for a 404 the broker gave when we checked that our topology is there."""
    return TopologyMismatch(
        f"the broker lacks part of libs/topology.py ({exc.reply_text}); import "
        "deploy/rabbitmq/definitions.json (python -m tools.deploy_config writes it), "
        "or let the services declare it with RABBITMQ_DECLARE=true"
    )


def consuming_channels(connection, prefetch: int, declare: bool = True) -> tuple:
    """On a new connection: a channel to consume on (topology declared or checked, `prefetch`
    set) and a confirming ChannelPublisher on a second channel beside it."""
    channel = connection.channel()
    declare_topology(channel, declare)
    channel.basic_qos(prefetch_count=prefetch)
    out_channel = connection.channel()
    out_channel.confirm_delivery()
    return channel, ChannelPublisher(out_channel)


def close_quietly(connection) -> None:
    """Close a connection that may already be gone."""
    if connection.is_open:
        try:
            connection.close()
        except BROKER_ERRORS:
            pass


def broker_problem(exc: BaseException) -> str:
    """What is wrong with the link to the broker, in words an operator can act on."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = getattr(exc, "verify_message", None) or exc
        return (f"the broker's TLS certificate is not trusted ({why}): give the CA that signed "
                "it in SSL_CERT_FILE (AMQP_CA_FILE in deploy/), and check the host name in "
                "RABBITMQ_URL is the certificate's")
    return repr(exc)


def run_reconnecting(consume: Callable[[], None], stopping: threading.Event, queue: str,
                     on_lost: Callable[[], None] = lambda: None) -> None:
    """Call consume() until `stopping` is set; after the broker is lost, on_lost(), then again
    after 0.5 s, doubling up to 10 s. A topology mismatch ends the process with its reason."""
    delay = 0.5
    while not stopping.is_set():
        try:
            consume()
            delay = 0.5
        except TopologyMismatch as exc:
            raise SystemExit(f"{queue}: {exc}") from exc
        except BROKER_ERRORS as exc:
            log.warning("broker connection lost (%s); reconnecting in %.1fs",
                        broker_problem(exc), delay)
            on_lost()
            stopping.wait(delay)
            delay = min(delay * 2, 10.0)


def correlation_of(properties) -> str | None:
    """The correlation id a message carries in its header, else its message id."""
    correlation = (properties.headers or {}).get(CORRELATION_HEADER)
    return correlation if isinstance(correlation, str) else properties.message_id


class Consumer:
    """Consumes one queue with manual acks until stopped, and beside it the queue's dead-letter
    notices if it has them (`topology.noticed_queue`); reconnects when the broker goes."""

    def __init__(self, settings: Settings, queue: str, handler: Handler, name: str = ""):
        self.settings = settings
        self.queue = queue
        self.handler = handler
        self.name = name  # of the connection, in the broker's console (connection_name)
        self.notices = topology.noticed_queue(queue)
        self.consuming = False  # for /healthz
        self._stopping = threading.Event()

    def stop(self, *_args) -> None:
        """Finish the message in hand, then leave the loop."""
        self._stopping.set()

    def run(self) -> None:
        """Consume until stop() is called, reconnecting with backoff on connection loss."""
        run_reconnecting(self._consume, self._stopping, self.queue)
        log.info("consumer of %s stopped", self.queue)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(
            connection_parameters(self.settings.rabbitmq_url, self.name))
        try:
            channel, publisher = consuming_channels(connection, self.settings.prefetch,
                                                    self.settings.rabbitmq_declare)

            def on_message(ch, method, properties, body):
                self._on_message(ch, method, properties, body, publisher)

            def on_notice(ch, method, properties, body):
                self._on_notice(ch, method, properties, body, publisher)

            channel.basic_consume(self.queue, on_message, auto_ack=False)
            if self.notices:
                # The prefetch is per consumer: a notice never waits for a free command slot.
                channel.basic_consume(self.notices, on_notice, auto_ack=False)
            log.info("consuming %s%s (prefetch %d)", self.queue,
                     f" and {self.notices}" if self.notices else "", self.settings.prefetch)
            self.consuming = True
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            self.consuming = False
            close_quietly(connection)

    def health(self) -> tuple[bool, str]:
        """For /healthz: whether this consumer is connected to the broker and consuming."""
        if self.consuming:
            return True, f"consuming {self.queue}"
        return False, f"not consuming {self.queue}: no broker connection"

    def _on_message(self, channel, method, properties, body, publisher) -> None:
        with correlated(correlation_of(properties)), metrics.handling(self.queue) as handled:
            outcome = self._settle(channel, method, properties, body, publisher)
            handled.outcome = (handled.outcome or outcome) if outcome == "ok" else outcome

    def _settle(self, channel, method, properties, body, publisher) -> str:
        headers = properties.headers or {}
        message_id = properties.message_id or "?"
        try:
            self.handler(body, properties, publisher)
        except PermanentError as exc:
            log.error("message %s rejected to %s: %s", message_id,
                      topology.dead_queue(self.queue), exc)
            channel.basic_reject(method.delivery_tag, requeue=False)
            return "rejected"
        except BROKER_ERRORS:
            raise  # the connection is gone: the broker redelivers what was not acked
        except Exception as exc:  # noqa: BLE001 - transient or a bug: retry, then park
            return self._retry_or_park(channel, method, properties, body, headers, publisher,
                                       exc)
        channel.basic_ack(method.delivery_tag)
        return "ok"

    def _retry_or_park(self, channel, method, properties, body, headers, publisher,
                       exc) -> str:
        retries = int(headers.get(RETRIES_HEADER, 0))
        message_id = properties.message_id or "?"
        limit = self.settings.max_retries
        if not isinstance(exc, TransientError):
            log.exception("message %s failed unexpectedly", message_id, exc_info=exc)
            limit = min(limit, BUG_RETRIES)
        if retries >= limit:
            log.error("message %s failed %d times, parked: %s", message_id, retries + 1, exc)
            channel.basic_reject(method.delivery_tag, requeue=False)
            return "parked"
        delay = retry_delay_ms(self.settings.retry_delay_ms, retries)
        log.warning("message %s failed (%s); retry %d in %d ms", message_id, exc, retries + 1,
                    delay)
        retry_headers = dict(headers, **{RETRIES_HEADER: retries + 1,
                                         ERROR_HEADER: mask_in_text(str(exc))[:200]})
        try:
            publisher.publish(topology.RETRY_EXCHANGE, self.queue, body, message_id,
                              retry_headers, expiration_ms=delay)
        except ServiceError as publish_error:
            log.error("message %s parked: cannot schedule its retry (%s)", message_id,
                      publish_error)
            channel.basic_reject(method.delivery_tag, requeue=False)
            return "parked"
        channel.basic_ack(method.delivery_tag)
        return "retried"

    def _on_notice(self, channel, method, properties, body, publisher) -> None:
        with correlated(correlation_of(properties)):
            outcome = self._apologise(channel, method, properties, body, publisher)
        metrics.APOLOGIES.labels(self.queue, outcome).inc()

    def _apologise(self, channel, method, properties, body, publisher) -> str:
        try:
            notice = notices.read_notice(body, properties, self.queue)
            outcome = notices.tell(notice, publisher, self.queue)
        except BROKER_ERRORS:
            raise  # the connection is gone: the broker redelivers the notice
        except TransientError as exc:
            log.warning("apology for command %s not confirmed (%s); its notice goes back",
                        properties.message_id, exc)
            channel.basic_reject(method.delivery_tag, requeue=True)
            return "failed"
        except Exception as exc:  # noqa: BLE001 - unroutable or a bug: never a crash loop
            log.error("apology for command %s not sent (%s); its notice is dropped",
                      properties.message_id, exc, exc_info=not isinstance(exc, PermanentError))
            outcome = "failed"
        channel.basic_ack(method.delivery_tag)
        return outcome
