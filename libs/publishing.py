"""The confirming publisher of the gateway, the poller and the letter watcher.

Request threads call `Publisher.publish`, which waits for the broker's confirm of that message;
one I/O thread per process does the AMQP work on a SelectConnection, so the confirms of many
threads come back together (one basic.ack with `multiple` settles many).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field

import pika
from pika.exceptions import ChannelClosedByBroker, ChannelClosedByClient, ConnectionClosedByClient

from libs import topology
from libs.config import Settings
from libs.errors import PermanentError, ServiceError, TransientError
from libs.messaging import (
    connection_parameters,
    persistent,
    topology_mismatch,
    topology_missing,
)

log = logging.getLogger(__name__)

CLOSED_BY_US = (ConnectionClosedByClient, ChannelClosedByClient)  # close(): no warning
CONNECT_TIMEOUT = 15.0  # seconds; pika itself gives up after the parameters' stack_timeout


class Publisher:
    """A confirming publisher for every thread of one process.

    publish() hands the message to the process's I/O thread and waits for its confirm. That
    thread alone touches the pika SelectConnection: it publishes (persistent, mandatory) in
    confirm mode and settles each waiting publish as basic.ack / basic.nack arrive. One ack
    with `multiple` settles many, so the confirms of all the threads come back together.
        ack            -> publish() returns
        basic.return   -> PermanentError (unroutable; the return comes before its ack)
        nack, link lost, no confirm in `confirm_timeout` -> TransientError (webhook: 503)
    The link is made lazily, anew in a forked child and after it was lost; declaring the
    topology is part of making it. A publish the lost link never sent is retried once.
    """

    def __init__(self, settings: Settings, *, name: str = "", declare: bool | None = None,
                 confirm_timeout: float = 10.0):
        self._settings = settings
        self._name = name  # of the connection, in the broker's console (connection_name)
        # None: as RABBITMQ_DECLARE says (False: only check that the topology is there).
        self._declare = settings.rabbitmq_declare if declare is None else declare
        self._confirm_timeout = confirm_timeout
        self._lock = threading.Lock()
        self._link: _Link | None = None
        _publishers.add(self)

    def publish(self, exchange: str, routing_key: str, body: bytes, message_id: str,
                headers: dict | None = None) -> None:
        """Publish persistently and wait for the broker's confirm."""
        properties = persistent(message_id, headers)
        for attempt in (1, 2):
            future = self._current_link().publish(exchange, routing_key, body, properties)
            try:
                return future.result(timeout=self._confirm_timeout)
            except _NotSent as exc:
                if attempt == 2:
                    raise
                log.info("publisher connection went stale (%s), reconnecting", exc)
            except TimeoutError as exc:
                raise TransientError(
                    f"no confirm for {exchange}/{routing_key} within "
                    f"{self._confirm_timeout:g} s") from exc

    def is_reachable(self) -> bool:
        """Whether a connection to the broker is open or can be opened now."""
        try:
            self._current_link()
            return True
        except ServiceError:
            return False

    def close(self) -> None:
        """Close this process's connection, if it has one."""
        with self._lock:
            link, self._link = self._link, None
        if link is not None:
            link.close()

    def _current_link(self) -> _Link:
        with self._lock:
            if self._link is None or not self._link.is_open:
                self._link = _Link.connect(self._settings, self._declare, self._name)
            return self._link

    def _forget_parent_link(self) -> None:
        # In a forked child: the parent's connection is not ours to touch, its I/O thread did
        # not come along, and its lock may have been held by a thread that no longer exists.
        self._lock = threading.Lock()
        self._link = None


_publishers: weakref.WeakSet[Publisher] = weakref.WeakSet()


def _forget_parent_links() -> None:
    for publisher in list(_publishers):
        publisher._forget_parent_link()


os.register_at_fork(after_in_child=_forget_parent_links)


class _NotSent(TransientError):
    """The link was lost before the message went out: safe to send again on a new one."""


@dataclass(eq=False)
class _Outgoing:
    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties
    future: Future = field(default_factory=Future)
    returned: bool = False


class _Link:
    """One SelectConnection and confirming channel, and the I/O thread that alone uses them."""

    def __init__(self, settings: Settings, declare: bool):
        self._settings = settings
        self._declare = declare
        self._ready = threading.Event()  # set once open and declared, or once that failed
        self._error: ServiceError | None = None
        self._closed_because: Exception | None = None  # the first reason given
        self._lock = threading.Lock()  # guards _outbox and _accepting
        self._outbox: list[_Outgoing] = []
        self._accepting = True
        self._channel = None
        self._unconfirmed: dict[int, _Outgoing] = {}  # by delivery tag, in publish order
        self._last_tag = 0
        self._thread = threading.Thread(target=self._run, name="amqp-publisher", daemon=True)

    @classmethod
    def connect(cls, settings: Settings, declare: bool, name: str = "") -> _Link:
        """A link that is open, topology declared; TransientError or TopologyMismatch if not.
        `name` names the connection (connection_name: the pid is the forked worker's)."""
        link = cls(settings, declare)
        # Made here, driven only by the I/O thread from its start on.
        link._connection = pika.SelectConnection(
            connection_parameters(settings.rabbitmq_url, name),
            on_open_callback=link._on_connection_open,
            on_open_error_callback=link._on_connection_closed,
            on_close_callback=link._on_connection_closed,
        )
        link._thread.start()
        if not link._ready.wait(CONNECT_TIMEOUT):
            link.close()
            raise TransientError(f"broker did not answer within {CONNECT_TIMEOUT} s")
        if link._error is not None:
            link._thread.join(CONNECT_TIMEOUT)
            raise link._error
        return link

    @property
    def is_open(self) -> bool:
        """Whether this link still takes publishes."""
        return self._accepting

    def publish(self, exchange, routing_key, body, properties) -> Future:
        """Queue a message for the I/O thread; the future settles with its confirm."""
        message = _Outgoing(exchange, routing_key, body, properties)
        with self._lock:
            if not self._accepting:
                message.future.set_exception(_NotSent("the connection is closed"))
                return message.future
            self._outbox.append(message)
            if len(self._outbox) == 1:  # otherwise a flush is already on its way
                self._connection.ioloop.add_callback_threadsafe(self._flush)
        return message.future

    def close(self) -> None:
        """Close the connection; publishes still waiting fail with TransientError."""
        with self._lock:
            if self._accepting:
                self._connection.ioloop.add_callback_threadsafe(self._close_connection)
        self._thread.join(CONNECT_TIMEOUT)

    # Everything below runs on the I/O thread.

    def _run(self) -> None:
        self._connection.ioloop.start()  # until _on_connection_closed stops it
        with self._lock:
            self._accepting = False
            never_sent, self._outbox = self._outbox, []
            self._connection.ioloop.close()
        for message in never_sent:
            message.future.set_exception(_NotSent("the connection was lost"))

    def _on_connection_open(self, connection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        if self._declare:
            topology.declare(channel)  # no-wait: a mismatch closes the channel before Select-Ok
        else:
            topology.check(channel)  # likewise: a 404 closes it before Select-Ok
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: self._ready.set())

    def _flush(self) -> None:
        with self._lock:
            messages, self._outbox = self._outbox, []
        for message in messages:
            try:
                self._channel.basic_publish(message.exchange, message.routing_key,
                                            message.body, message.properties, mandatory=True)
            except pika.exceptions.AMQPError as exc:
                message.future.set_exception(_NotSent(repr(exc)))
                continue
            self._last_tag += 1
            self._unconfirmed[self._last_tag] = message

    def _on_return(self, _channel, method, properties, _body) -> None:
        for message in self._unconfirmed.values():
            if (not message.returned and message.exchange == method.exchange
                    and message.routing_key == method.routing_key
                    and message.properties.message_id == properties.message_id):
                message.returned = True
                return

    def _on_confirm(self, frame) -> None:
        method = frame.method
        if method.multiple:
            tags = [tag for tag in self._unconfirmed if tag <= method.delivery_tag]
        else:
            tags = [method.delivery_tag]
        for tag in tags:
            message = self._unconfirmed.pop(tag, None)
            if message is None:
                continue
            where = f"{message.exchange}/{message.routing_key}"
            if isinstance(method, pika.spec.Basic.Nack):
                message.future.set_exception(TransientError(f"broker refused {where}"))
            elif message.returned:
                message.future.set_exception(PermanentError(f"no queue bound for {where}"))
            else:
                message.future.set_result(None)

    def _on_channel_closed(self, _channel, reason) -> None:
        # The broker closes just the channel on e.g. a publish to a missing exchange (404);
        # the link goes as a whole and the next publish makes a new one (declaring again).
        self._closed_because = self._closed_because or reason
        if (not self._ready.is_set() and isinstance(reason, ChannelClosedByBroker)
                and reason.reply_code == 406):
            self._error = topology_mismatch(reason)
        elif (not self._ready.is_set() and isinstance(reason, ChannelClosedByBroker)
                and reason.reply_code == 404 and not self._declare):
            self._error = topology_missing(reason)
        self._close_connection()

    def _close_connection(self) -> None:
        if not (self._connection.is_closing or self._connection.is_closed):
            self._connection.close()

    def _on_connection_closed(self, _connection, reason) -> None:
        reason = self._closed_because or reason
        with self._lock:
            self._accepting = False
        if self._ready.is_set() and not isinstance(reason, CLOSED_BY_US):
            log.warning("publisher link lost (%r); %d publishes unconfirmed", reason,
                        len(self._unconfirmed))
        elif self._error is None:
            self._error = TransientError(f"broker unreachable: {reason!r}")
        for message in self._unconfirmed.values():
            message.future.set_exception(
                TransientError(f"connection lost before the confirm: {reason!r}"))
        self._unconfirmed.clear()
        self._ready.set()
        self._connection.ioloop.stop()
