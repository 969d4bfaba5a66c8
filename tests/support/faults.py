"""What the fault tests share: the residents to register, the bot's messages gathered as they
arrive, a simulator without flood limits, dead-lettered messages, a process kept running."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

import pika
import requests
from sqlalchemy import select

from libs.messaging import connection_parameters
from libs.siades.db import make_engine, make_session_factory
from libs.siades.models import ALIVE, Family, Resident
from tests.support.system import ROOT, System


def alive_residents(database_url: str) -> list[tuple[str, str, str]]:
    """(NIK, No KK, name) of every living resident, in registry order."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(
                select(Resident.nik, Family.no_kk, Resident.name)
                .join(Family, Family.id == Resident.family_id)
                .where(Resident.base_status == ALIVE).order_by(Resident.id))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


@lru_cache(maxsize=1)
def _simulator_options() -> str:
    return subprocess.run([sys.executable, "-m", "tools.telegram_sim", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30).stdout


def without_flood_limits(system: System, notifier_per_second: int = 200) -> System:
    """A system whose pace is not the point: a fast notifier, a simulator without 429s.

    Call before start(); `lift_flood_limits` after it covers a simulator that only has the
    control endpoint.
    """
    system.env["NOTIFIER_MAX_PER_SECOND"] = str(notifier_per_second)
    if "--no-limits" in _simulator_options():
        system.sim_args.append("--no-limits")
    return system


def lift_flood_limits(system: System) -> None:
    """Turn the simulator's flood limits off through its control API, where it has one."""
    response = requests.post(f"{system.sim}/sim/limits", json={"enabled": False}, timeout=10)
    if response.status_code not in (200, 404, 405):
        response.raise_for_status()


class BotMessages:
    """Every message the bot sends, gathered in the background from the simulator."""

    def __init__(self, sim_url: str):
        self.sim_url = sim_url
        self.by_chat: dict[int, list[dict]] = defaultdict(list)
        self.count = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._after = 0
        self._thread = threading.Thread(target=self._run, name="bot-messages", daemon=True)

    def __enter__(self) -> BotMessages:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = requests.get(f"{self.sim_url}/sim/messages", timeout=15, params={
                    "after": self._after, "wait": 2}).json()["messages"]
            except requests.RequestException:
                time.sleep(0.2)
                continue
            with self._cond:
                for message in found:
                    self.by_chat[message["chat_id"]].append(message)
                    self._after = max(self._after, message["seq"])
                self.count += len(found)
                self._cond.notify_all()

    def texts(self, chat_id: int) -> list[str]:
        """What the bot sent to one chat so far, text or caption, in order."""
        with self._cond:
            return [m.get("text") or m.get("caption") or "" for m in self.by_chat[chat_id]]

    def messages(self, chat_id: int) -> list[dict]:
        """What the bot sent to one chat so far, as the simulator recorded it."""
        with self._cond:
            return list(self.by_chat[chat_id])

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until condition() holds (checked on every batch of messages); True if it did."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
            return True


def duplicates(texts: list[str]) -> int:
    """How many of a chat's messages repeat an earlier one word for word."""
    return len(texts) - len(set(texts))


def take_dead_letters(amqp_url: str, queue: str, expect: int, wait: float = 10
                      ) -> list[tuple[pika.BasicProperties, bytes]]:
    """Take up to `expect` messages from a dead-letter queue (basic.get), waiting up to `wait`."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    try:
        channel = connection.channel()
        got = []
        deadline = time.monotonic() + wait
        while len(got) < expect and time.monotonic() < deadline:
            method, properties, body = channel.basic_get(queue)
            if method is None:
                time.sleep(0.2)
                continue
            channel.basic_ack(method.delivery_tag)
            got.append((properties, body))
        return got
    finally:
        connection.close()


class KeepRunning:
    """Restarts a process of `system` whenever it dies, as docker's restart policy does."""

    def __init__(self, system: System, name: str, delay: float = 0.0):
        self.system, self.name, self.delay = system, name, delay
        self.restarts = 0
        self.exit_codes: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"keep-{name}", daemon=True)

    def __enter__(self) -> KeepRunning:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            process = self.system.processes.get(self.name)
            if process is None or process.poll() is None:
                continue
            self.exit_codes.append(process.returncode)
            time.sleep(self.delay)
            if not self._stop.is_set():
                self.system.restart(self.name)
                self.restarts += 1
