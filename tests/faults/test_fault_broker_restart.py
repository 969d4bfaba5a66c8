"""Fault b: RabbitMQ crashes (kill -9) in the middle of a stream of updates and starts again.

While it is down the gateway answers 503 and Telegram (the simulator's webhook) resends; every
update the gateway answered 200 for is handled (its id is in the workers' inbox) and answered.
The node is the test's own, so the session's broker is not disturbed; its queues are durable
quorum queues, kept across the restart.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import select

from libs.contracts import command_message_id
from libs.siades.bot_models import InboxEntry
from libs.siades.db import make_engine, make_session_factory
from tests.support.faults import BotMessages, lift_flood_limits, without_flood_limits
from tests.support.rabbit import own_node
from tests.support.system import System
from tools.rabbitmq_node import RabbitNode

# broker: a node of its own (own_node), not the `broker` fixture; timing: run alone
pytestmark = [pytest.mark.broker, pytest.mark.timing]

CHATS = [840_001 + i for i in range(30)]
TEXTS = ["/start", "Biodata", "Surat", "Menu", "KIS", "SKU"]  # data and letter commands
UPDATES = 240
SEND_EVERY = 0.1  # 10 updates a second for 24 s
CRASH_AFTER = 60  # updates sent before the crash


@pytest.fixture
def node(tmp_path_factory):
    yield from own_node(tmp_path_factory.mktemp("rabbitmq-restart"), "restart")


@pytest.fixture
def system(node, sqlite_url, tmp_path):
    system = without_flood_limits(System(node.url, sqlite_url, tmp_path)).start()
    lift_flood_limits(system)
    yield system
    system.stop()


def crash_and_restart(node: RabbitNode) -> float:
    """kill -9 the node, start it again on its data; returns how long it was away."""
    started = time.monotonic()
    node.kill()
    (node.base / "rabbitmq.pid").unlink(missing_ok=True)  # else `wait` reads the dead pid
    node.start()
    return time.monotonic() - started


def test_broker_restart_midstream(system, node, sqlite_url):
    sent: dict[int, int] = {}  # update_id -> chat
    crashed = threading.Event()

    def stream():
        for i in range(UPDATES):
            chat = CHATS[i % len(CHATS)]
            sent[system.send(chat, TEXTS[(i // len(CHATS)) % len(TEXTS)])] = chat
            if i + 1 == CRASH_AFTER:
                crashed.set()
            time.sleep(SEND_EVERY)

    started = time.monotonic()
    with BotMessages(system.sim) as bot:
        sender = threading.Thread(target=stream, name="stream")
        sender.start()
        assert crashed.wait(30)
        away = crash_and_restart(node)
        during = requests.get(f"{system.sim}/sim/webhook", timeout=10).json()
        sender.join(60)
        expected = Counter(sent.values())
        assert bot.wait_until(
            lambda: all(len(bot.texts(c)) >= n for c, n in expected.items()), timeout=45), \
            {c: (n, len(bot.texts(c))) for c, n in expected.items() if len(bot.texts(c)) < n}
        elapsed = time.monotonic() - started
        time.sleep(1)  # a late duplicate still has time to show
        replies = {chat: bot.texts(chat) for chat in CHATS}

    webhook = requests.get(f"{system.sim}/sim/webhook", timeout=10).json()
    refused = (system.log_dir / "gateway.log").read_text(errors="replace").count(
        "not accepted, broker said")
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        handled = set(session.scalars(select(InboxEntry.message_id)))
    engine.dispose()
    missing = [u for u in sent if command_message_id(u) not in handled]
    extra = sum(len(replies[c]) - n for c, n in expected.items())
    print(f"\nfault b: {len(sent)} updates, broker crashed (kill -9) after {CRASH_AFTER} and "
          f"back {away:.1f} s later; webhook: {webhook['delivered']} delivered (200) in "
          f"{webhook['attempts']} attempts, {webhook['failures']} failures "
          f"({during['failures']} by the broker's return), gateway 503s logged: {refused}, "
          f"last error {webhook.get('last_error_message')!r}; {len(sent) - len(missing)} "
          f"handled, {sum(expected.values())} replies expected, {extra} extra, "
          f"in {elapsed:.1f} s")

    assert webhook["delivered"] == len(sent)  # Telegram's retries got through in the end
    assert webhook["failures"] > 0 and refused > 0  # and there were refusals to retry
    assert "503" in (webhook.get("last_error_message") or "")
    assert webhook["attempts"] == webhook["delivered"] + webhook["failures"]
    assert not missing, f"{len(missing)} updates answered 200 but never handled: {missing[:5]}"
    assert extra == 0, {c: replies[c] for c, n in expected.items() if len(replies[c]) != n}
