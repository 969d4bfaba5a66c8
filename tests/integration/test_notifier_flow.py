"""The notifier against a real broker and the simulator enforcing Telegram's limits: its pace,
429s, outages, a message Telegram keeps failing, 400, 403, long texts, and a hot standby."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pika
import pytest
import requests

from libs import topology
from libs.config import Settings
from libs.contracts import Outgoing, encode
from libs.outbox import SEQUENCE_HEADER
from libs.publishing import Publisher
from libs.siades.bot_models import Chat
from libs.siades.db import make_engine, make_session_factory
from libs.telegram import TelegramClient
from services.notifier.dispatcher import DESCRIPTION_HEADER, Dispatcher
from tools.telegram_sim.app import create_app
from tools.telegram_sim.limits import Limits
from tools.telegram_sim.testing import TEST_TOKEN, serve

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

ROOT = Path(__file__).resolve().parents[2]
EPSILON = 0.05  # seconds of network and scheduling jitter between our clock and the sim's
_ids = itertools.count(1)


class Rig:
    """A simulator, a publisher into the outbox, and a way to run notifiers."""

    def __init__(self, settings: Settings, sim_url: str):
        self.settings = settings
        self.sim = sim_url
        self.publisher = Publisher(settings)
        self.chats: set[int] = set()

    def publish(self, chat_id: int, text: str, **fields) -> str:
        if chat_id not in self.chats:  # Telegram knows a chat once its resident wrote
            requests.post(f"{self.sim}/sim/updates", timeout=5, json={
                "user": {"id": chat_id, "first_name": "Warga"}, "text": "/start"},
            ).raise_for_status()
            self.chats.add(chat_id)
        number = next(_ids)  # as the outbox row id would be
        message_id = f"flow-{number}:0"
        message = Outgoing(message_id=message_id, chat_id=chat_id, text=text, **fields)
        self.publisher.publish(topology.OUTBOX_EXCHANGE, topology.OUTBOX_ROUTING_KEY,
                               encode(message), message_id, headers={SEQUENCE_HEADER: number})
        return message_id

    def fault(self, **fault) -> None:
        requests.post(f"{self.sim}/sim/faults", json=fault, timeout=5).raise_for_status()

    def calls(self, method: str = "sendMessage") -> list[dict]:
        calls = requests.get(f"{self.sim}/sim/calls", timeout=5).json()["calls"]
        return [c for c in calls if c["method"] == method]

    def delivered(self, count: int, timeout: float, distinct: bool = False) -> list[dict]:
        """The sendMessage calls Telegram took, once there are `count` (of different chats or
        texts, if `distinct`), waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            ok = [c for c in self.calls() if c["status"] == 200]
            seen = {(c["chat_id"], c["params"]["text"]) for c in ok} if distinct else ok
            if len(seen) >= count or time.monotonic() > deadline:
                return ok
            time.sleep(0.1)

    def dead(self) -> list[tuple[dict, bytes]]:
        """(headers, body) of every message parked in notifier.outbox.dead."""
        connection = pika.BlockingConnection(pika.URLParameters(self.settings.rabbitmq_url))
        try:
            channel = connection.channel()
            found = []
            while True:
                method, properties, body = channel.basic_get(
                    topology.dead_queue(topology.NOTIFIER_QUEUE), auto_ack=True)
                if method is None:
                    return found
                found.append((properties.headers or {}, body))
        finally:
            connection.close()

    @contextmanager
    def notifier(self, **settings):
        """A Dispatcher in a thread of this process, stopped at the end."""
        chosen = replace(self.settings, **settings)
        factory = make_session_factory(make_engine(chosen.database_url))
        dispatcher = Dispatcher(chosen, factory, lambda: TelegramClient(
            chosen.telegram_api_url, chosen.telegram_bot_token,
            read_timeout=chosen.telegram_timeout))
        thread = threading.Thread(target=dispatcher.run, name="notifier-under-test")
        thread.start()
        try:
            yield dispatcher
        finally:
            dispatcher.stop()
            thread.join(30)
            assert not thread.is_alive(), "the notifier did not stop"


@pytest.fixture
def rig(amqp_url, sqlite_url):
    with serve(create_app(TEST_TOKEN, limits=Limits())) as sim_url:
        settings = Settings(rabbitmq_url=amqp_url, database_url=sqlite_url,
                            telegram_bot_token=TEST_TOKEN, telegram_api_url=sim_url,
                            telegram_timeout=2.0)
        rig = Rig(settings, sim_url)
        yield rig
        rig.publisher.close()


def by_chat(calls: list[dict]) -> dict[int, list[dict]]:
    chats = defaultdict(list)
    for call in calls:
        chats[call["params"]["chat_id"]].append(call)
    return chats


def most_in_a_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + 1.0 - EPSILON) for i, t in enumerate(times))


def test_a_backlog_goes_out_at_telegrams_pace_in_each_chats_order(rig):
    for round_ in range(3):
        for chat in range(1, 31):
            rig.publish(chat, f"pesan {round_}")
    with rig.notifier():
        calls = rig.delivered(90, timeout=30)
    assert len(calls) == 90
    assert [c for c in rig.calls() if c["status"] == 429] == []
    times = [c["time"] for c in calls]
    print(f"\n90 messages to 30 chats in {max(times) - min(times):.2f} s "
          f"(the bot's limit allows 3.0 s), at most {most_in_a_second(times)} in a second")
    assert most_in_a_second(times) <= 31  # the pacer makes up at most one late slot
    assert max(times) - min(times) < 3.0 * 1.5  # no idling while the bot may send
    for chat, chat_calls in by_chat(calls).items():
        assert [c["params"]["text"] for c in chat_calls] == ["pesan 0", "pesan 1", "pesan 2"]
        gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(chat_calls)]
        assert min(gaps) >= 1.0 - EPSILON, f"chat {chat} got two messages {min(gaps):.3f}s apart"


def test_a_429_pauses_the_whole_bot_for_retry_after(rig):
    rig.fault(error_code=429, description="Too Many Requests: retry after 1", retry_after=1,
              method="sendMessage", times=2)
    for chat in range(1, 11):
        rig.publish(chat, f"untuk {chat}")
    with rig.notifier(notifier_concurrency=1):  # so any call after a 429 was made after it
        calls = rig.delivered(10, timeout=20)
    all_calls = rig.calls()
    refused = [c for c in all_calls if c["status"] == 429]
    assert len(calls) == 10 and len(refused) == 2
    for call in refused:  # nothing at all went to Telegram during the pause
        during = [c for c in all_calls if call["time"] < c["time"] < call["time"] + 1 - EPSILON]
        assert during == [], f"{len(during)} calls within retry_after of a 429"


def test_an_outage_parks_nothing_and_each_chat_keeps_its_order(rig):
    rig.fault(error_code=502, seconds=3)
    for round_ in range(3):
        for chat in range(1, 6):
            rig.publish(chat, f"pesan {round_}")
    with rig.notifier(notifier_max_attempts=2):
        calls = rig.delivered(15, timeout=30)
    failed = [c for c in rig.calls() if c["status"] == 502]
    print(f"\na 3 s outage: {len(failed)} calls failed in it, then 15 of 15 delivered")
    assert len(calls) == 15
    assert 1 <= len(failed) <= 12  # the bot probes one call at a time, backing off
    for chat_calls in by_chat(calls).values():
        assert [c["params"]["text"] for c in chat_calls] == ["pesan 0", "pesan 1", "pesan 2"]
    assert rig.dead() == []


def test_a_message_that_fails_while_others_go_through_is_parked(rig):
    rig.fault(error_code=500, chat_id=666, seconds=60)
    poisoned = rig.publish(666, "selalu gagal")
    with rig.notifier(notifier_max_attempts=3):
        deadline = time.monotonic() + 30
        for chat in itertools.cycle(range(1, 6)):  # the rest of the village's traffic
            rig.publish(chat, "baik")
            time.sleep(0.5)
            if (dead := rig.dead()) or time.monotonic() > deadline:
                break
    [(headers, body)] = dead
    assert poisoned.encode() in body
    assert "500" in headers["x-last-error"]
    failed = [c for c in rig.calls() if c["status"] == 500]
    assert all(c["params"]["chat_id"] == 666 for c in failed) and len(failed) >= 3


def test_a_refused_message_is_parked_with_telegrams_description(rig):
    rig.publish(7, "<b>tidak ditutup")
    rig.publish(7, "berikutnya")
    with rig.notifier():
        [call] = rig.delivered(1, timeout=10)
        deadline = time.monotonic() + 10
        while not (dead := rig.dead()) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert call["params"]["text"] == "berikutnya"
    [(headers, _body)] = dead
    assert "can't parse entities" in headers[DESCRIPTION_HEADER]


def test_a_blocked_chat_is_marked_and_not_written_to_again(rig):
    rig.fault(error_code=403, description="Forbidden: bot was blocked by the user", chat_id=8,
              times=None)
    rig.publish(8, "satu")
    rig.publish(8, "dua")
    rig.publish(9, "lain")
    with rig.notifier():
        [call] = rig.delivered(1, timeout=10)
        time.sleep(1.5)
    assert call["params"]["chat_id"] == 9
    assert len([c for c in rig.calls() if c["params"].get("chat_id") == 8]) == 1
    with make_session_factory(make_engine(rig.settings.database_url))() as session:
        assert session.get(Chat, 8).unreachable_since is not None
    assert rig.dead() == []


def test_a_long_text_goes_as_parts_a_second_apart(rig):
    text = "\n".join(f"{i:05d} " + "kabar desa " * 8 for i in range(120))  # ~11,000 chars
    rig.publish(5, text)
    with rig.notifier():
        calls = rig.delivered(3, timeout=15)
    assert len(calls) == 3
    assert "\n".join(c["params"]["text"] for c in calls) == text
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 1.0 - EPSILON


def test_a_second_notifier_takes_over_when_the_first_dies(rig, broker, tmp_path):
    env = dict(os.environ, RABBITMQ_URL=rig.settings.rabbitmq_url,
               DATABASE_URL=rig.settings.database_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN,
               TELEGRAM_API_URL=rig.sim, PYTHONUNBUFFERED="1")

    def start(name):
        log = open(tmp_path / f"{name}.log", "wb")
        return subprocess.Popen([sys.executable, "-m", "services.notifier"], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)

    active = start("active")
    broker.wait_for_consumers(rig.settings.rabbitmq_url, topology.NOTIFIER_QUEUE)
    standby = start("standby")
    broker.wait_for_consumers(rig.settings.rabbitmq_url, topology.NOTIFIER_QUEUE, count=2)
    try:
        for round_ in range(6):
            for chat in range(1, 11):
                rig.publish(chat, f"pesan {round_}")
        rig.delivered(15, timeout=15)
        active.send_signal(signal.SIGKILL)
        active.wait()
        calls = rig.delivered(60, timeout=30, distinct=True)
        texts = by_chat(calls)
        first_seen = {chat: list(dict.fromkeys(c["params"]["text"] for c in chat_calls))
                      for chat, chat_calls in texts.items()}
        repeated = len(calls) - sum(len(t) for t in first_seen.values())
        print(f"\nactive notifier killed after 15 sends: {len(calls)} sends, "
              f"{repeated} repeated (sent but not yet recorded when it died)")
        expected = [f"pesan {r}" for r in range(6)]
        assert {c: t for c, t in first_seen.items() if t != expected} == {}
        assert repeated <= 10  # at most what was under way: one call a chat
    finally:
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(30) == 0
