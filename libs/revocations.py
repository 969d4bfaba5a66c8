"""Withdrawn letters for the online verification page: the message, and the list that each
gateway process keeps by following the broker's revocations stream. No database here.

    letter watcher (office) ──▶ siades.revocations ──▶ gateway.revocations (stream, kept)
                                                          └──▶ every gateway process's list

A revocation names its letter by the SHA-256 of the letter's token (what the QR code holds), so
it withdraws exactly that letter, whichever village or key signed others. The follower reads the
stream from its first message whenever it connects (the process's start, after the broker came
back) and then follows it. The list is `current` once the follower has read up to what was the
stream's last message when it connected; before that, and while the broker is away, the page
says that it cannot tell whether the letter was withdrawn.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date

import pika

from libs import topology
from libs.config import Settings
from libs.errors import DecodeError
from libs.messaging import (
    BROKER_ERRORS,
    TopologyMismatch,
    broker_problem,
    close_quietly,
    connection_parameters,
    declare_topology,
)

log = logging.getLogger(__name__)

OFFSET_HEADER = "x-stream-offset"  # each message's place in the stream, set by the broker
PREFETCH = 500  # a stream consumer must set one; the broker sends ahead this many
TAIL_WAIT = 1.0  # seconds to hear the stream's last chunk: none in that time, it is empty
MAX_BACKOFF = 10.0


@dataclass(frozen=True)
class Revocation:
    """One withdrawn letter: its token's digest, and what the page says about it."""

    token_sha256: str
    request_id: int
    number: str
    revoked_on: date  # in the village's time zone
    reason: str = ""


def token_digest(token: str) -> str:
    """The SHA-256 hex digest of a token, as a revocation names the letter."""
    return hashlib.sha256(token.encode()).hexdigest()


def encode(revocation: Revocation) -> bytes:
    """The revocation as compact JSON."""
    fields = dict(asdict(revocation), revoked_on=revocation.revoked_on.isoformat())
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def decode(body: bytes) -> Revocation:
    """The revocation in a message body; DecodeError for anything else."""
    try:
        fields = json.loads(body)
        revocation = Revocation(
            token_sha256=fields["token_sha256"], request_id=fields["request_id"],
            number=fields["number"], revoked_on=date.fromisoformat(fields["revoked_on"]),
            reason=fields.get("reason") or "")
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise DecodeError(f"not a revocation: {exc!r}") from exc
    if (len(revocation.token_sha256) != 64 or not isinstance(revocation.request_id, int)
            or not all(isinstance(v, str) for v in (revocation.number, revocation.reason))):
        raise DecodeError("not a revocation: a field of the wrong type")
    return revocation


class RevocationList:
    """The withdrawn letters one process knows, safe to read from every request thread."""

    def __init__(self, revocations: tuple[Revocation, ...] = (), current: bool = False):
        self._by_digest = {r.token_sha256: r for r in revocations}
        self._current = threading.Event()
        if current:
            self._current.set()

    def add(self, revocation: Revocation) -> None:
        """Remember a withdrawn letter (a repeat changes nothing)."""
        self._by_digest.setdefault(revocation.token_sha256, revocation)

    def find(self, token: str) -> Revocation | None:
        """The revocation of the letter with this token, if it is known."""
        return self._by_digest.get(token_digest(token))

    def set_current(self, current: bool) -> None:
        """Whether the list holds every revocation the broker has (see the module's doc)."""
        (self._current.set if current else self._current.clear)()

    def wait_current(self, timeout: float) -> bool:
        """Whether the list is current, waiting up to `timeout` seconds for it to become so."""
        return self._current.wait(timeout)

    def __len__(self) -> int:
        return len(self._by_digest)


class RevocationFollower:
    """Follows the revocations stream into a RevocationList on its own thread and connection,
    reconnecting with backoff; started once per process (after gunicorn's fork)."""

    def __init__(self, settings: Settings, revocations: RevocationList | None = None):
        self.settings = settings
        self.revocations = RevocationList() if revocations is None else revocations
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started_in = 0  # the pid whose thread follows: a forked child starts its own

    def start(self) -> None:
        """Start following, unless this process already does; safe to call on every request."""
        with self._lock:
            if self._started_in == os.getpid():
                return
            self._started_in = os.getpid()
            self._stopping.clear()
            self.revocations.set_current(False)  # a forked child's copy says nothing yet
            self._thread = threading.Thread(target=self._run, name="revocations", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop following (the thread leaves within half a second)."""
        self._stopping.set()
        if self._thread is not None and self._started_in == os.getpid():
            self._thread.join(5)

    def _run(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            try:
                self._follow()
                delay = 0.5
            except (TopologyMismatch, *BROKER_ERRORS) as exc:
                self.revocations.set_current(False)
                log.warning("not following %s (%s); trying again in %.1fs",
                            topology.REVOCATIONS_STREAM, broker_problem(exc), delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
        self.revocations.set_current(False)

    def _follow(self) -> None:
        connection = pika.BlockingConnection(connection_parameters(self.settings.rabbitmq_url,
                                                                   "gateway (revocations)"))
        try:
            channel = connection.channel()
            declare_topology(channel, self.settings.rabbitmq_declare)
            tail = last_offset(connection)
            self._consume(channel, tail)
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            self.revocations.set_current(False)
            close_quietly(connection)

    def _consume(self, channel, tail: int | None) -> None:
        """Read the stream from its first message; current once `tail` has been read."""
        def on_message(ch, method, properties, body):
            try:
                self.revocations.add(decode(body))
            except DecodeError as exc:  # never ours to drop: a stream keeps it for good
                log.error("skipped a message in %s: %s", topology.REVOCATIONS_STREAM, exc)
            ch.basic_ack(method.delivery_tag)  # a stream consumer's credit, nothing removed
            offset = (properties.headers or {}).get(OFFSET_HEADER, -1)
            if tail is not None and offset >= tail:
                self._caught_up()

        channel.basic_qos(prefetch_count=PREFETCH)
        channel.basic_consume(topology.REVOCATIONS_STREAM, on_message,
                              arguments={OFFSET_HEADER: "first"})
        if tail is None:
            self._caught_up()

    def _caught_up(self) -> None:
        if not self.revocations.wait_current(0):
            log.info("%d withdrawn letter%s known from %s", len(self.revocations),
                     "" if len(self.revocations) == 1 else "s", topology.REVOCATIONS_STREAM)
        self.revocations.set_current(True)


def last_offset(connection) -> int | None:
    """The offset of the stream's last message, None if it is empty: a consumer at "last"
    gets the stream's last chunk, whose highest offset that is."""
    channel = connection.channel()
    offsets = []
    try:
        channel.basic_qos(prefetch_count=PREFETCH)
        channel.basic_consume(
            topology.REVOCATIONS_STREAM,
            lambda ch, method, properties, _body: offsets.append(
                (properties.headers or {}).get(OFFSET_HEADER, -1)),
            auto_ack=False, arguments={OFFSET_HEADER: "last"})
        deadline = time.monotonic() + TAIL_WAIT
        while (left := deadline - time.monotonic()) > 0:  # it returns once events came
            connection.process_data_events(time_limit=left)
    finally:
        channel.close()
    return max(offsets) if offsets else None
