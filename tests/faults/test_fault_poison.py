"""Fault f: poison messages end in `data_service.commands.dead`, each resident who sent one is
told once, and the worker goes on serving.

Two planted faults (tests/support/poison_worker.py): a command that kills its worker every time
(the quorum queue's delivery limit parks it after DELIVERY_LIMIT redeliveries; the worker is
restarted each time, as docker's restart policy would), and one that raises a bug exception
every time (retried once through `<queue>.retry`, BUG_RETRIES, not the MAX_RETRIES a transient
error gets, then parked). Both residents get one apology; residents who write meanwhile and
afterwards are answered.
"""

from __future__ import annotations

import json
import time

import pytest

from libs import texts, topology
from libs.messaging import BUG_RETRIES, ERROR_HEADER, RETRIES_HEADER
from tests.support.faults import (
    BotMessages,
    KeepRunning,
    alive_residents,
    lift_flood_limits,
    take_dead_letters,
    without_flood_limits,
)
from tests.support.poison_worker import BUG, BUG_CHAT, KILL_CHAT
from tests.support.system import System

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

HEALTHY = [831_001 + i for i in range(5)]
DEAD = topology.dead_queue(topology.DATA_QUEUE)


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = without_flood_limits(System(amqp_url, sqlite_url, tmp_path))
    system.services["data_service"] = ["-m", "tests.support.poison_worker"]
    system.start()
    lift_flood_limits(system)
    yield system
    system.stop()


def test_poison_messages_are_parked_and_the_worker_serves_on(system, amqp_url, sqlite_url):
    residents = alive_residents(sqlite_url)
    started = time.monotonic()
    with BotMessages(system.sim) as bot, KeepRunning(system, "data_service") as keeper:
        assert "belum terhubung" in system.ask(HEALTHY[0], "/start")["text"]
        # When the poisoned commands come, with residents' commands queued behind them
        poison = {system.send(BUG_CHAT, "Biodata"): "bug",
                  system.send(KILL_CHAT, "Biodata"): "kill"}
        for chat, (nik, no_kk, _) in zip(HEALTHY, residents[:len(HEALTHY)], strict=True):
            system.send(chat, f"DAFTAR#{nik}#{no_kk}")

        # Then both are parked in the dead-letter queue
        parked = take_dead_letters(amqp_url, DEAD, expect=2, wait=50)
        parked_after = time.monotonic() - started
        # and every resident's command is answered, then the next ones too
        assert bot.wait_until(
            lambda: all(any("Pendaftaran berhasil" in t for t in bot.texts(c))
                        for c in HEALTHY), timeout=20), {c: bot.texts(c) for c in HEALTHY}
        for chat in HEALTHY:
            assert "Tempat/Tgl Lahir" in system.ask(chat, "Biodata")["text"]
        # and each poisoned chat gets its apology (the kill's from a restarted worker)
        assert bot.wait_until(lambda: bot.texts(BUG_CHAT) and bot.texts(KILL_CHAT),
                              timeout=20), (bot.texts(BUG_CHAT), bot.texts(KILL_CHAT))
        time.sleep(1)  # a second apology, or a late reply, still has time to show
        poisoned_replies = {"bug": bot.texts(BUG_CHAT), "kill": bot.texts(KILL_CHAT)}
    dead = {json.loads(body)["update_id"]: properties for properties, body in parked}
    by_kind = {poison[update_id]: properties for update_id, properties in dead.items()}
    print(f"\nfault f: {len(parked)} poison messages parked in {DEAD} after {parked_after:.1f} s "
          f"(kill: {keeper.restarts} worker restarts, exit codes {sorted(set(keeper.exit_codes))}"
          f", x-death {_death(by_kind.get('kill'))}; bug: {RETRIES_HEADER} "
          f"{_headers(by_kind.get('bug')).get(RETRIES_HEADER)}, {ERROR_HEADER} "
          f"{_headers(by_kind.get('bug')).get(ERROR_HEADER)!r}, x-death "
          f"{_death(by_kind.get('bug'))}); {len(HEALTHY)} residents' 10 commands answered, "
          f"{sum(map(len, poisoned_replies.values()))} messages to the 2 poisoned chats, "
          f"in {time.monotonic() - started:.1f} s")

    assert set(dead) == set(poison)
    kill, bug = _headers(by_kind["kill"]), _headers(by_kind["bug"])
    assert _death(by_kind["kill"])["reason"] == "delivery_limit"
    assert keeper.restarts >= topology.DELIVERY_LIMIT and set(keeper.exit_codes) == {9}
    assert RETRIES_HEADER not in kill
    # A bug is retried once, whatever MAX_RETRIES (8 here) says
    assert bug[RETRIES_HEADER] == BUG_RETRIES and BUG in bug[ERROR_HEADER]
    assert _death(by_kind["bug"])["reason"] == "rejected"
    assert poisoned_replies == {"bug": [texts.COMMAND_FAILED], "kill": [texts.COMMAND_FAILED]}


def _headers(properties) -> dict:
    return dict(properties.headers or {}) if properties is not None else {}


def _death(properties) -> dict:
    """The newest x-death entry: why and from where the broker dead-lettered the message."""
    deaths = _headers(properties).get("x-death") or [{}]
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in deaths[0].items()
            if k in ("reason", "queue", "count")}
