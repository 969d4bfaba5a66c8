"""Long polling (services/gateway/poller.py) against the simulator's getUpdates and RabbitMQ."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from libs import topology
from libs.config import Settings
from libs.contracts import decode_command
from libs.errors import TransientError
from libs.publishing import Publisher
from libs.telegram import Conflict, TelegramClient
from services.gateway.poller import Poller
from tests.integration.test_messaging import get_all
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import WebhookReceiver, serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4242:POLLER-TEST"
RESIDENT = {"id": 7001, "first_name": "Wati"}


@pytest.fixture
def sim_url():
    with serve(create_app(TOKEN)) as url:
        yield url


@pytest.fixture
def publisher(amqp_url):
    publisher = Publisher(Settings(rabbitmq_url=amqp_url))
    yield publisher
    publisher.close()


def write(sim_url: str, text: str) -> int:
    """A resident writes to the bot; returns the update_id."""
    answer = requests.post(f"{sim_url}/sim/updates", json={"user": RESIDENT, "text": text},
                           timeout=5)
    answer.raise_for_status()
    return answer.json()["update_id"]


def queued_update_ids(amqp_url: str, expect: int) -> list[int]:
    """The update_ids of the commands waiting in data_service.commands, in order."""
    messages = get_all(amqp_url, topology.DATA_QUEUE, wait=5, expect=expect)
    return [decode_command(body).update_id for _, body in messages]


def pending(sim_url: str) -> int:
    return requests.get(f"{sim_url}/sim/webhook", timeout=5).json()["pending_update_count"]


class FailingPublisher:
    """A real publisher whose broker 'goes away' at the n-th publish."""

    def __init__(self, publisher: Publisher, fail_at: int):
        self.publisher, self.fail_at, self.count = publisher, fail_at, 0

    def publish(self, *args) -> None:
        self.count += 1
        if self.count == self.fail_at:
            raise TransientError("broker unreachable")
        self.publisher.publish(*args)


def test_updates_reach_the_queue_and_the_offset_confirms_them(sim_url, amqp_url, publisher):
    client = TelegramClient(sim_url, TOKEN)
    sent = [write(sim_url, text) for text in ("/start", "Biodata", "PKH")]
    poller = Poller(client, publisher, poll_timeout=0)

    assert poller.poll_once() == 3
    assert poller.offset == sent[-1] + 1
    assert queued_update_ids(amqp_url, expect=3) == sent
    assert poller.poll_once() == 0  # asking past them confirmed them to Telegram
    assert pending(sim_url) == 0


def test_a_broker_failure_keeps_the_offset_and_a_restart_loses_nothing(
        sim_url, amqp_url, publisher):
    client = TelegramClient(sim_url, TOKEN)
    sent = [write(sim_url, text) for text in ("Biodata", "Keluarga", "PKH", "KIS")]
    first = Poller(client, FailingPublisher(publisher, fail_at=3), poll_timeout=0)

    with pytest.raises(TransientError):
        first.poll_once()
    assert first.offset == sent[1] + 1  # only the two confirmed updates are behind it

    restarted = Poller(client, publisher, poll_timeout=0)  # a new process: no offset known
    restarted.poll_once()
    restarted.poll_once()
    delivered = queued_update_ids(amqp_url, expect=6)
    assert set(delivered) == set(sent)  # nothing lost; repeats carry the same message id
    assert pending(sim_url) == 0


def test_getupdates_is_refused_while_a_webhook_is_set_until_the_poller_removes_it(
        sim_url, amqp_url, publisher):
    client = TelegramClient(sim_url, TOKEN)
    with WebhookReceiver(statuses=[500] * 50) as hook:  # a webhook that never takes anything
        client.call("setWebhook", {"url": hook.url, "secret_token": "s3cret"})
        update_id = write(sim_url, "Keluarga")
        poller = Poller(client, publisher, poll_timeout=0)
        with pytest.raises(Conflict, match="409"):
            poller.poll_once()

        poller.drop_webhook()
        assert client.call("getWebhookInfo")["url"] == ""
        poller.poll_once()
    assert queued_update_ids(amqp_url, expect=1) == [update_id]  # kept across the switch


@pytest.mark.timing
def test_the_poll_command_stops_at_once_on_sigterm_mid_long_poll(sim_url, amqp_url, publisher):
    assert publisher.is_reachable()  # declares the queues before the poller's first publish
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=sim_url,
               RABBITMQ_URL=amqp_url, PYTHONUNBUFFERED="1")
    poller = subprocess.Popen([sys.executable, "-m", "services.gateway", "poll"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        update_id = write(sim_url, "Menu")
        assert queued_update_ids(amqp_url, expect=1) == [update_id]
        deadline = time.monotonic() + 10  # the next getUpdates confirms it, then long-polls 25 s
        while pending(sim_url) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        poller.send_signal(signal.SIGTERM)
        poller.wait(10)
        print(f"poller stopped {time.monotonic() - started:.2f} s after SIGTERM")
        assert time.monotonic() - started < 3
        assert poller.returncode == 0, poller.stdout.read().decode()
    finally:
        if poller.poll() is None:
            poller.kill()
