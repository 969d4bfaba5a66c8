"""Faults c and d: Telegram down for 30 s, and a storm of 429s. Every process is real; the
simulator plays Telegram (tools/telegram_sim) with its flood limits on."""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.faults import BotMessages
from tests.support.system import System

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

OUTAGE = 30.0
EPSILON = 0.05  # seconds of scheduling jitter between the notifier's clock and the sim's
# An unregistered resident's three commands, and a phrase of each reply, in order.
SESSION = [("/start", "belum terhubung"), ("Biodata", "belum terdaftar"),
           ("Daftar", "DAFTAR#NIK#No KK")]


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = System(amqp_url, sqlite_url, tmp_path)
    # One call at a time, so that any call Telegram sees after a 429 was made after it.
    system.env["NOTIFIER_CONCURRENCY"] = "1"
    system.start()
    yield system
    system.stop()


def sim_calls(system: System, method: str = "sendMessage") -> list[dict]:
    calls = requests.get(f"{system.sim}/sim/calls", timeout=10).json()["calls"]
    return [c for c in calls if c["method"] == method]


def dead_count(system: System, broker, amqp_url) -> int:
    return broker.queue(amqp_url, "notifier.outbox.dead")["messages"]


def test_c_a_30_second_telegram_outage(system, broker, amqp_url):
    chats = range(830_001, 830_021)
    requests.post(f"{system.sim}/sim/faults", timeout=10,
                  json={"error_code": 502, "seconds": OUTAGE}).raise_for_status()
    started = time.monotonic()
    with BotMessages(system.sim) as bot:
        for text, _ in SESSION:
            for chat in chats:
                system.send(chat, text)
        expected = len(chats) * len(SESSION)
        delivered = bot.wait_until(lambda: bot.count >= expected, timeout=OUTAGE + 45)
        took = time.monotonic() - started
        in_order = [chat for chat in chats
                    if [phrase in text for text, (_, phrase) in zip(
                        bot.texts(chat), SESSION, strict=False)] == [True] * len(SESSION)]
    failed = [c for c in sim_calls(system) if c["status"] == 502]
    print(f"\nfault c: Telegram down {OUTAGE:.0f} s; {bot.count} of {expected} replies "
          f"delivered {took:.1f} s after the first command ({took - OUTAGE:.1f} s after it came "
          f"back); {len(failed)} calls failed in the outage; order kept in "
          f"{len(in_order)} of {len(chats)} chats; "
          f"{dead_count(system, broker, amqp_url)} parked")
    assert delivered, f"only {bot.count} of {expected} replies arrived"
    assert len(in_order) == len(chats)
    assert all(len(bot.texts(chat)) == len(SESSION) for chat in chats)  # none twice
    assert dead_count(system, broker, amqp_url) == 0
    assert len(failed) <= 20  # one probe at a time, backing off up to 10 s


def test_d_a_storm_of_429s(system, broker, amqp_url):
    # Telegram lets through a third of what the notifier is set to send.
    requests.post(f"{system.sim}/sim/limits", timeout=10,
                  json={"bot_per_second": 10, "bot_burst": 10}).raise_for_status()
    chats = range(840_001, 840_076)
    with BotMessages(system.sim) as bot:
        for text, _ in SESSION[:2]:
            for chat in chats:
                system.send(chat, text)
        expected = 2 * len(chats)
        delivered = bot.wait_until(lambda: bot.count >= expected, timeout=50)
    calls = sim_calls(system)
    limited = [c for c in calls if c["status"] == 429]
    ok = [c for c in calls if c["status"] == 200]
    span = max(c["time"] for c in ok) - min(c["time"] for c in ok)
    during_pauses = [
        (c429, c) for c429 in limited for c in calls
        if c429["time"] < c["time"] < c429["time"] + _retry_after(c429) - EPSILON]
    print(f"\nfault d: {len(ok)} of {expected} replies through a storm of {len(limited)} 429s "
          f"in {span:.1f} s ({len(ok) / span:.1f}/s against Telegram's 10/s); "
          f"{len(during_pauses)} calls inside a retry_after")
    assert delivered and len(ok) == expected
    assert len(limited) >= 3  # it was a storm
    assert during_pauses == [], [(a["time"], a["description"], b["time"] - a["time"], b["status"])
                                 for a, b in during_pauses]
    for chat in chats:
        assert [phrase in text for text, (_, phrase) in zip(
            bot.texts(chat), SESSION, strict=False)] == [True, True]
    assert dead_count(system, broker, amqp_url) == 0


def _retry_after(call: dict) -> float:
    # "Too Many Requests: retry after N"
    return float(call["description"].rsplit(" ", 1)[1])
