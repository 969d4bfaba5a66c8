"""Fault g: the database is unreachable for 20 s; the commands sent meanwhile wait in the retry
queues and are answered, each once, when it is back.

The village's MariaDB sits behind a TCP proxy of the test's own (tests/support/tcp_proxy.py):
cutting it drops every live connection and refuses new ones, as a failed network path does.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from sqlalchemy import select

from libs.siades.bot_models import RegistrationAttempt
from libs.siades.db import make_engine, make_session_factory
from tests.support.faults import (
    BotMessages,
    alive_residents,
    duplicates,
    lift_flood_limits,
    without_flood_limits,
)
from tests.support.system import System
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

OUTAGE = 20.0
AT_CUT = [850_201 + i for i in range(10)]  # register just before: the cut finds them in hand
REGISTERING = [850_001 + i for i in range(8)]  # register during the outage
GREETING = [850_101 + i for i in range(8)]  # say /start (data) or Surat (letters) meanwhile
REGISTERED = "Pendaftaran berhasil"


@pytest.fixture
def proxy(mariadb_server):
    proxy = TcpProxy(str(mariadb_server.socket))
    yield proxy
    proxy.close()


@pytest.fixture
def system(amqp_url, seeded_mariadb_url, proxy, tmp_path):
    database = seeded_mariadb_url.split("?")[0].rsplit("/", 1)[1]
    proxied = f"mysql+pymysql://root@127.0.0.1:{proxy.port}/{database}?charset=utf8mb4"
    system = without_flood_limits(System(amqp_url, proxied, tmp_path)).start()
    lift_flood_limits(system)
    yield system
    system.stop()


def test_database_unreachable_for_20_seconds(system, proxy, seeded_mariadb_url):
    registering = AT_CUT + REGISTERING
    residents = dict(zip(registering, alive_residents(seeded_mariadb_url)[:len(registering)],
                         strict=True))
    during = REGISTERING + GREETING
    chats = AT_CUT + during

    def register(chat):
        return chat, f"DAFTAR#{residents[chat][0]}#{residents[chat][1]}"

    # Given the system answering through the proxy
    assert "belum terhubung" in system.ask(GREETING[0], "/start")["text"]
    with BotMessages(system.sim) as bot:
        assert bot.wait_until(lambda: bot.texts(GREETING[0]), timeout=5)
        before = {chat: len(bot.texts(chat)) for chat in chats}
        # When the database goes away for 20 s, just as the gateway took a burst of
        # registrations, and residents write all along
        taken = _delivered(system)
        for chat in AT_CUT:
            system.send(*register(chat))
        while _delivered(system) < taken + len(AT_CUT):
            time.sleep(0.01)
        proxy.cut()
        cut_at = time.monotonic()
        answered_before_cut = sum(len(bot.texts(c)) > before[c] for c in AT_CUT)
        registrations = [register(chat) for chat in REGISTERING]
        greetings = [(chat, "/start" if i % 2 else "Surat") for i, chat in enumerate(GREETING)]
        outbox = [m for pair in zip(registrations, greetings, strict=True) for m in pair]
        for i, (chat, text) in enumerate(outbox):
            time.sleep(max(0.0, cut_at + i * (OUTAGE - 2) / len(outbox) - time.monotonic()))
            system.send(chat, text)
        answered_during = sum(len(bot.texts(c)) - before[c] for c in during)
        time.sleep(max(0.0, cut_at + OUTAGE - time.monotonic()))
        proxy.restore()
        restored_at = time.monotonic()
        # Then every command is answered once the retries find the database again
        assert bot.wait_until(lambda: all(len(bot.texts(c)) > before[c] for c in chats),
                              timeout=45), {c: bot.texts(c)[before[c]:] for c in chats}
        caught_up = time.monotonic() - restored_at
        time.sleep(2)  # a late duplicate still has time to show
        replies = {chat: bot.texts(chat)[before[chat]:] for chat in chats}

    logs = "".join((system.log_dir / f"{name}.log").read_text(errors="replace")
                   for name in ("data_service", "letter_service"))
    retries = [int(n) for n in re.findall(r"failed \(database unavailable.*?\); retry (\d+)",
                                          logs)]
    engine = make_engine(seeded_mariadb_url)
    with make_session_factory(engine)() as session:
        linked = sorted(session.scalars(
            select(RegistrationAttempt.chat_id).where(RegistrationAttempt.success)))
    engine.dispose()
    print(f"\nfault g: database cut for {OUTAGE:.0f} s ({proxy.dropped} live connections "
          f"dropped, {proxy.refused} refused) just as the gateway took {len(AT_CUT)} "
          f"registrations ({answered_before_cut} answered before the cut); "
          f"{len(outbox)} commands sent meanwhile, "
          f"{answered_during} answered during the outage; {len(retries)} retries scheduled "
          f"(up to retry {max(retries, default=0)}); all answered {caught_up:.1f} s after it "
          f"came back; {sum(map(len, replies.values()))} replies, "
          f"{sum(duplicates(r) for r in replies.values())} duplicates, "
          f"{len(linked)} registrations")

    assert answered_during == 0  # nothing reached the database meanwhile
    assert retries and proxy.refused > 0
    assert all(len(r) == 1 for r in replies.values()), replies
    assert all(REGISTERED in replies[chat][0] for chat in registering)
    assert linked == sorted(registering)


def _delivered(system: System) -> int:
    return requests.get(f"{system.sim}/sim/webhook", timeout=10).json()["delivered"]
