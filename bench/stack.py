"""What every benchmark stands on: a private RabbitMQ node, seeded SQLite databases, and the
system's processes, all under one temporary directory and all stopped at the end.

    with Stack() as stack:
        url = stack.new_vhost()                 # an empty vhost on the run's one broker
        db = stack.database()                   # a copy of the seeded, linked demo village
        stack.start("gateway", SERVICES["gateway"].argv, env)  # tools.supervisor's table
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pika
import requests
from sqlalchemy import select

from libs import topology
from libs.messaging import ChannelPublisher, connection_parameters, persistent
from libs.siades.cli import init_db, seed_demo
from libs.siades.db import make_engine, make_session_factory
from libs.siades.models import ALIVE, Resident
from libs.siades.queries import registration
from tools.rabbitmq_node import RabbitNode
from tools.supervisor import Supervisor, free_port

SECRET = "bench-webhook-secret"
LINKED_CHAT_BASE = 7_100_000  # chat id of linked resident r: LINKED_CHAT_BASE + r.id
STOP_TIMEOUT = 15


class Stack:
    """The run's broker, databases and child processes; a context manager that cleans up."""

    def __init__(self, keep: bool = False):
        self.base = Path(tempfile.mkdtemp(prefix="siades-bench-"))
        self.logs = self.base / "logs"
        self.logs.mkdir()
        self.keep = keep
        self.node: RabbitNode | None = None
        self.children = Supervisor(self.logs, STOP_TIMEOUT)  # the processes, each in a session
        self._template: Path | None = None
        self._linked: list[int] = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # The broker

    def broker(self) -> RabbitNode:
        """The run's RabbitMQ node, started on first use on free loopback ports."""
        if self.node is None:
            node = RabbitNode(self.base / "rabbitmq", port=free_port(),
                              management_port=free_port(), dist_port=free_port(), name="bench")
            self.node = node  # set first: a Ctrl-C during start still stops it
            print(f"  starting RabbitMQ on port {node.port} ...", flush=True)
            node.start()
        return self.node

    def new_vhost(self) -> str:
        """A fresh, empty virtual host with the topology declared; its AMQP URL."""
        node = self.broker()
        name = f"bench-{uuid.uuid4().hex[:8]}"
        api = f"http://127.0.0.1:{node.management_port}/api"
        auth = ("guest", "guest")
        requests.put(f"{api}/vhosts/{name}", auth=auth, timeout=30).raise_for_status()
        requests.put(f"{api}/permissions/{name}/guest", auth=auth, timeout=30,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        url = f"amqp://guest:guest@127.0.0.1:{node.port}/{quote(name, safe='')}"
        with self.channel(url) as channel:
            topology.declare(channel)
        return url

    def channel(self, url: str) -> _Channel:
        """A short-lived confirming channel on `url` (a context manager)."""
        return _Channel(url)

    def broker_versions(self) -> dict:
        """RabbitMQ's and Erlang's versions, from the management API."""
        node = self.broker()
        overview = requests.get(f"http://127.0.0.1:{node.management_port}/api/overview",
                                auth=("guest", "guest"), timeout=30).json()
        return {"rabbitmq": overview.get("rabbitmq_version"),
                "erlang": overview.get("erlang_version")}

    # Databases

    def database(self) -> str:
        """A SQLite URL of a fresh copy of the demo village, every living resident linked."""
        if self._template is None:
            self._template = self.base / "template.db"
            self._linked = make_template(self._template)
        path = self.base / f"siades-{uuid.uuid4().hex[:8]}.db"
        # The backup API copies a consistent database, pages still in a -wal file included.
        with closing(sqlite3.connect(self._template)) as source, \
                closing(sqlite3.connect(path)) as target:
            source.backup(target)
        return f"sqlite:///{path}"

    @property
    def linked_chats(self) -> list[int]:
        """Chat ids linked to living residents in every database() copy."""
        return list(self._linked)

    # Processes

    def start(self, name: str, args: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
        """Start `python <args>` as `name` in its own session (a Ctrl-C is ours to pass on)."""
        return self.children.start(name, args, dict(env, PYTHONUNBUFFERED="1"))

    def stop(self, name: str) -> int | None:
        """SIGTERM, then SIGKILL to its group after STOP_TIMEOUT; the exit code."""
        return self.children.stop(name)

    def stop_all(self) -> None:
        """Stop every child process at once."""
        self.children.stop_all()

    def wait_http(self, url: str, timeout: float = 30) -> None:
        """Wait until `url` answers 200; fail early if a child has died."""
        self.children.wait_http(url, timeout, interval=0.1)

    def check_alive(self) -> None:
        """Raise if any child has exited, with the end of its log."""
        self.children.check_alive()

    def close(self) -> None:
        """Stop the children, then the broker; remove the directory unless asked to keep it."""
        try:
            self.stop_all()
        finally:
            if self.node is not None:
                self.node.stop()
            if self.keep:
                print(f"  kept {self.base}", flush=True)
            else:
                shutil.rmtree(self.base, ignore_errors=True)


class _Channel:
    """A blocking connection with one confirming channel, closed on leaving the block."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        self.connection = pika.BlockingConnection(connection_parameters(self.url))
        channel = self.connection.channel()
        channel.confirm_delivery()
        channel.publisher = ChannelPublisher(channel)
        return channel

    def __exit__(self, *exc) -> None:
        if self.connection.is_open:
            self.connection.close()


def fill(channel, exchange: str, messages: list[tuple[str, bytes, str]], queue: str,
         timeout: float = 60) -> None:
    """Publish (routing key, body, message id) persistently without waiting for each confirm,
    then wait until `queue` holds them all: a quick way to pre-fill a queue."""
    plain = channel.connection.channel()
    for routing_key, body, message_id in messages:
        plain.basic_publish(exchange, routing_key, body, persistent(message_id))
    deadline = time.monotonic() + timeout
    while queue_state(channel, queue)[0] < len(messages):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{queue} did not reach {len(messages)} messages")
        time.sleep(0.1)
    plain.close()


class QueueWatcher:
    """Samples the ready messages of some queues every `interval` s in a thread, while in a
    `with` block; `samples` holds [seconds, depth of each queue]."""

    def __init__(self, url: str, queues: list[str], interval: float = 0.25):
        self.url, self.queues, self.interval = url, queues, interval
        self.samples: list[list[float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> QueueWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)

    def most(self, queue: str) -> int:
        """The most messages `queue` held ready at any sample."""
        column = self.queues.index(queue) + 1
        return int(max((row[column] for row in self.samples), default=0))

    def _run(self) -> None:
        started = time.monotonic()
        with _Channel(self.url) as channel:
            while not self._stop.is_set():
                depths = [queue_state(channel, q)[0] for q in self.queues]
                self.samples.append([round(time.monotonic() - started, 2), *depths])
                self._stop.wait(self.interval)


def queue_state(channel, queue: str) -> tuple[int, int]:
    """(ready messages, consumers) of `queue`, straight from the broker (no stats lag)."""
    method = channel.queue_declare(queue, passive=True).method
    return method.message_count, method.consumer_count


def make_template(path: Path) -> list[int]:
    """init-db, seed-demo and link every living resident to a chat; the linked chat ids."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        init_db(engine)
        seed_demo(engine)
        now = datetime.now(UTC).replace(tzinfo=None)
        linked = []
        with make_session_factory(engine).begin() as session:
            ids = session.scalars(select(Resident.id).where(Resident.base_status == ALIVE)
                                  .order_by(Resident.id)).all()
            for resident_id in ids:
                chat = LINKED_CHAT_BASE + resident_id
                if registration.link_chat(session, resident_id, chat, now):
                    linked.append(chat)
        return linked
    finally:
        engine.dispose()


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and every process below it."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # after the name: state ppid ... utime(12th) stime(13th), counting from state as 1st
        ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        children.setdefault(ppid, []).append(int(entry.name))
        times[int(entry.name)] = (utime + stime) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total
