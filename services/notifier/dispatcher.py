"""The notifier's loop: messages from `notifier.outbox` to Telegram, at Telegram's pace.

One thread owns the broker connection and all the state here. Bot API calls run in a small
pool of sender threads (`sender.step`); each result comes back to the connection thread
(`add_callback_threadsafe`), which acknowledges, parks or retries:

    a chat       one call at a time, in queue order: its next message waits behind its head
    the bot      the chat whose slot comes first goes first, at the Pacer's pace
    429          the whole bot pauses for retry_after; the message goes again
    5xx, timeout the bot backs off (0.25 s doubling to 10 s, jittered) and probes Telegram
                 with one call at a time until it answers. A failure counts against the
                 message only when the call before it went through, so an outage parks
                 nothing; after NOTIFIER_MAX_ATTEMPTS counted failures a message is parked
    400          parked at once in notifier.outbox.dead, Telegram's description in the
                 x-telegram-description header
    403          dropped (the chat is marked unreachable until the resident sends /start)
    database     like an outage: the bot backs off and probes, nothing is parked
    redelivered  a message the broker gives again (its consumer died) waits REORDER_WAIT for
                 the others it held, and each chat's are put back in order by the outbox row
                 id in their x-outbox-id header: a quorum queue returns them in any order
A message is acknowledged once it is sent and recorded, skipped, dropped or parked. What was
in hand when the connection or the process went is redelivered, and bot_notifications keeps
a sent message from going twice. The queue has a single active consumer: a second notifier
is a hot standby, and each chat's order holds.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial

import pika
from sqlalchemy.orm import sessionmaker

from libs import metrics, topology
from libs.config import Settings
from libs.contracts import DecodeError, decode_outgoing
from libs.errors import ServiceError
from libs.identity import mask_in_text
from libs.logs import correlated
from libs.messaging import (
    ERROR_HEADER,
    ChannelPublisher,
    close_quietly,
    connection_parameters,
    consuming_channels,
    run_reconnecting,
)
from libs.telegram import TelegramClient
from services.notifier.pacing import Limits, Pacer
from services.notifier.sender import Delivery, Outcome, Result, step

log = logging.getLogger(__name__)

DESCRIPTION_HEADER = "x-telegram-description"
IDLE_WAIT = 0.5  # seconds between looks at the stop flag when nothing is due
BACKOFF_BASE = 0.25
BACKOFF_MAX = 10.0
STATS_EVERY = 60.0
REORDER_WAIT = 0.25  # seconds a redelivered message waits for the others returned with it


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, capped, jittered."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(failures - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


class Dispatcher:
    """Consumes `notifier.outbox` until stopped; reconnects when the broker goes."""

    def __init__(self, settings: Settings, factory: sessionmaker,
                 make_client: Callable[[], TelegramClient],
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.factory = factory
        self.pacer = Pacer(Limits(settings.notifier_max_per_second,
                                  settings.notifier_per_chat_per_second,
                                  settings.notifier_per_group_per_minute))
        self.stats: Counter[str] = Counter()
        self._make_client = make_client
        self._clients = threading.local()
        self._clock = clock
        self._pool = ThreadPoolExecutor(settings.notifier_concurrency,
                                        thread_name_prefix="notifier-send")
        self._futures: set = set()  # calls under way, across reconnects
        self._futures_lock = threading.Lock()
        self._stopping = threading.Event()
        self.consuming = False  # for /healthz
        self._generation = 0
        self._connection = None
        self._channel = None
        self._publisher: ChannelPublisher | None = None
        self._forget_deliveries()

    def _forget_deliveries(self) -> None:
        self._chats: dict[int, deque[Delivery]] = {}  # each chat's messages, in queue order
        self._due: list[tuple[float, int, int]] = []  # (chat's slot, tie-break, chat) heap
        self._in_flight: set[int] = set()  # chats with a call under way
        self._order = itertools.count()
        self._failing = 0  # calls in a row that Telegram did not answer

    # -- running ---------------------------------------------------------------------------

    def stop(self, *_args) -> None:
        """Finish the calls under way, then leave the loop; the rest goes back to the queue."""
        self._stopping.set()

    def run(self) -> None:
        """Consume until stop() is called, reconnecting with backoff on connection loss."""
        try:
            run_reconnecting(self._consume, self._stopping, topology.NOTIFIER_QUEUE,
                             on_lost=self._after_connection_lost)
        finally:
            self._pool.shutdown(wait=True)
        log.info("notifier stopped; %s", self._summary())

    def _after_connection_lost(self) -> None:
        # Calls under way finish first, so none of their messages can come back from the
        # broker and go out a second time alongside them.
        with self._futures_lock:
            under_way = list(self._futures)
        wait(under_way, timeout=self.settings.telegram_timeout + 10)
        self._forget_deliveries()

    def _consume(self) -> None:
        connection = pika.BlockingConnection(
            connection_parameters(self.settings.rabbitmq_url, "notifier"))
        self._generation += 1
        self._connection = connection
        try:
            channel, self._publisher = consuming_channels(connection,
                                                          self.settings.notifier_prefetch,
                                                          self.settings.rabbitmq_declare)
            self._channel = channel
            channel.basic_consume(topology.NOTIFIER_QUEUE, self._on_message, auto_ack=False)
            log.info("consuming %s (prefetch %d; %.0f/s, %.0f/s a chat, %.0f/min a group)",
                     topology.NOTIFIER_QUEUE, self.settings.notifier_prefetch,
                     self.settings.notifier_max_per_second,
                     self.settings.notifier_per_chat_per_second,
                     self.settings.notifier_per_group_per_minute)
            next_stats = self._clock() + STATS_EVERY
            self.consuming = True
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=self._dispatch())
                if self._clock() >= next_stats:
                    next_stats = self._clock() + STATS_EVERY
                    self.pacer.forget_before(self._clock())
                    log.info("notifier: %s", self._summary())
            self._finish_calls_under_way(connection)
        finally:
            self.consuming = False
            self._forget_deliveries()
            close_quietly(connection)

    def health(self) -> tuple[bool, str]:
        """For /healthz: whether the notifier is connected to the broker and consuming."""
        if self.consuming:
            return True, f"consuming {topology.NOTIFIER_QUEUE}"
        return False, f"not consuming {topology.NOTIFIER_QUEUE}: no broker connection"

    def _finish_calls_under_way(self, connection) -> None:
        deadline = self._clock() + self.settings.telegram_timeout + 5
        while self._in_flight and self._clock() < deadline:
            connection.process_data_events(time_limit=0.2)

    def _summary(self) -> str:
        queued = sum(len(q) for q in self._chats.values())
        counts = ", ".join(f"{name} {n}" for name, n in sorted(self.stats.items()))
        return f"{counts or 'nothing sent'}; {queued} waiting in {len(self._chats)} chats"

    # -- the connection thread -------------------------------------------------------------

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        try:
            message = decode_outgoing(body)
        except DecodeError as exc:
            log.error("message %s rejected to %s: %s", properties.message_id,
                      topology.dead_queue(topology.NOTIFIER_QUEUE), exc)
            channel.basic_reject(method.delivery_tag, requeue=False)
            metrics.DEAD_LETTERED.labels(topology.NOTIFIER_QUEUE, "malformed").inc()
            return
        delivery = Delivery(method.delivery_tag, body, dict(properties.headers or {}), message)
        queue = self._chats.setdefault(message.chat_id, deque())
        queue.insert(self._place(queue, delivery), delivery)
        if method.redelivered:
            self.pacer.delay_chat(message.chat_id, self._clock() + REORDER_WAIT)
        if len(queue) == 1:
            self._make_due(message.chat_id)

    def _place(self, queue: deque[Delivery], delivery: Delivery) -> int:
        """Where `delivery` goes in its chat's queue: after every message made before it, and
        never before one under way or partly sent."""
        sequence = delivery.sequence
        position = len(queue)
        while position > 0 and sequence is not None:
            before = queue[position - 1]
            if (before.sequence is None or before.sequence < sequence or before.next_part
                    or (position == 1 and before.message.chat_id in self._in_flight)):
                break
            position -= 1
        return position

    def _make_due(self, chat_id: int) -> None:
        """Put the chat in line for its next call, if it has one and none is under way."""
        queue = self._chats.get(chat_id)
        if not queue or chat_id in self._in_flight:
            return
        slot = self.pacer.chat_ready_at(chat_id) if queue[0].counts_as_message else 0.0
        heapq.heappush(self._due, (slot, next(self._order), chat_id))

    def _dispatch(self) -> float:
        """Start every call that may go now; return the seconds until the next one may."""
        room = 1 if self._failing else self.settings.notifier_concurrency
        while self._due and len(self._in_flight) < room:
            slot, _, chat_id = self._due[0]
            now = self._clock()
            start = max(slot, self.pacer.bot_ready_at())
            if start > now:
                return min(start - now, IDLE_WAIT)
            heapq.heappop(self._due)
            delivery = self._chats[chat_id][0]
            self.pacer.take(now, chat_id if delivery.counts_as_message else None)
            self._in_flight.add(chat_id)
            future = self._pool.submit(self._step, self._connection, self._generation,
                                       delivery)
            with self._futures_lock:
                self._futures.add(future)
            future.add_done_callback(self._call_ended)
        return IDLE_WAIT

    def _on_result(self, generation: int, delivery: Delivery, result: Result) -> None:
        if generation != self._generation:
            return  # from before a reconnect: the message was redelivered and is handled anew
        with correlated(delivery.message.correlation_id):
            self._settle(delivery, result)

    def _settle(self, delivery: Delivery, result: Result) -> None:
        chat_id = delivery.message.chat_id
        self._in_flight.discard(chat_id)
        now = self._clock()
        outcome = result.outcome
        self.stats[outcome.value] += 1
        metrics.DELIVERIES.labels(outcome.name.lower()).inc()
        if outcome in (Outcome.SENT, Outcome.PART_SENT, Outcome.BLOCKED, Outcome.REFUSED):
            self._failing = 0  # Telegram answered
        if outcome is Outcome.PART_SENT:
            delivery.next_part += 1
        elif outcome in (Outcome.SENT, Outcome.SKIPPED, Outcome.BLOCKED):
            self._done(delivery)
        elif outcome is Outcome.REFUSED:
            self._park(delivery, result.detail, telegram=True)
        elif outcome is Outcome.RATE_LIMITED:
            log.warning("429 on message %s: the bot pauses %.1fs", delivery.message.message_id,
                        result.retry_after)
            self.pacer.pause(now + result.retry_after)
            metrics.paused("rate_limited", result.retry_after)
        elif outcome is Outcome.FAILED:
            self._on_failure(delivery, result, now)
        elif outcome is Outcome.DATABASE_DOWN:
            # Every message needs the database: wait for it as for Telegram, one probe at a time.
            self._failing += 1
            delay = backoff(self._failing)
            log.warning("database unreachable (%s); the bot tries again in %.1fs",
                        result.detail, delay)
            self.pacer.pause(now + delay)
            metrics.paused("database_down", delay)
        else:  # BROKEN: a bug, which may be this message's own
            delivery.failures += 1
            if delivery.failures >= self.settings.notifier_max_attempts:
                self._park(delivery, result.detail)
            else:
                self.pacer.delay_chat(chat_id, now + backoff(delivery.failures))
        self._make_due(chat_id)

    def _on_failure(self, delivery: Delivery, result: Result, now: float) -> None:
        """Telegram did not answer: back off the whole bot; park only a message that fails
        while others go through."""
        if not self._failing:
            delivery.failures += 1
        self._failing += 1
        if delivery.failures >= self.settings.notifier_max_attempts:
            self._park(delivery, result.detail)
            return
        delay = backoff(self._failing)
        log.warning("message %s: %s; the bot tries again in %.1fs (%d failed in a row)",
                    delivery.message.message_id, result.detail, delay, self._failing)
        self.pacer.pause(now + delay)
        metrics.paused("telegram_down", delay)
        self.pacer.delay_chat(delivery.message.chat_id, now + backoff(delivery.failures))

    def _done(self, delivery: Delivery) -> None:
        self._channel.basic_ack(delivery.tag)
        self._forget(delivery)

    def _park(self, delivery: Delivery, why: str, telegram: bool = False) -> None:
        """Into notifier.outbox.dead with the reason in a header, then acknowledged."""
        message_id = delivery.message.message_id
        headers = dict(delivery.headers, **{ERROR_HEADER: mask_in_text(why)[:200]})
        if telegram:
            headers[DESCRIPTION_HEADER] = why[:500]
        log.error("message %s parked in %s: %s", message_id,
                  topology.dead_queue(topology.NOTIFIER_QUEUE), why)
        try:
            self._publisher.publish(topology.DEAD_EXCHANGE, topology.NOTIFIER_QUEUE,
                                    delivery.body, message_id, headers)
        except ServiceError as exc:
            log.error("message %s: cannot add the reason (%s); dead-lettered without it",
                      message_id, exc)
            self._channel.basic_reject(delivery.tag, requeue=False)
        else:
            self._channel.basic_ack(delivery.tag)
        self.stats["parked"] += 1
        metrics.DEAD_LETTERED.labels(topology.NOTIFIER_QUEUE,
                                     "refused" if telegram else "parked").inc()
        self._forget(delivery)

    def _forget(self, delivery: Delivery) -> None:
        chat_id = delivery.message.chat_id
        queue = self._chats[chat_id]
        queue.popleft()
        if not queue:
            del self._chats[chat_id]

    # -- sender threads --------------------------------------------------------------------

    def _call_ended(self, future) -> None:
        with self._futures_lock:
            self._futures.discard(future)

    def _step(self, connection, generation: int, delivery: Delivery) -> None:
        client = getattr(self._clients, "client", None)
        if client is None:
            client = self._clients.client = self._make_client()
        with correlated(delivery.message.correlation_id):
            result = step(client, delivery, self.factory)
        try:
            connection.add_callback_threadsafe(
                partial(self._on_result, generation, delivery, result))
        except Exception:  # noqa: BLE001 - the connection is gone; the broker redelivers
            log.info("message %s: %s, but the connection closed before its ack",
                     delivery.message.message_id, result.outcome.value)
