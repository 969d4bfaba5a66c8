"""tools.dead_letters on a real broker: dead letters listed in place, moved back on request."""

import json
import time

import pika
import pytest

from libs import notices, topology
from libs.messaging import ERROR_HEADER, RETRIES_HEADER, persistent
from tools import dead_letters

NIK = "3201234567890123"


@pytest.fixture
def channel(amqp_url, monkeypatch):
    monkeypatch.setenv("RABBITMQ_URL", amqp_url)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    topology.declare(channel)
    channel.confirm_delivery()
    yield channel
    connection.close()


def park_two(channel) -> None:
    """One command rejected by its consumer, one parked with a reason (as the loop does)."""
    channel.basic_publish(topology.COMMANDS_EXCHANGE, "data.biodata", b'{"n": 1}',
                          persistent("cmd-1"), mandatory=True)
    method, _, _ = channel.basic_get(topology.DATA_QUEUE)
    channel.basic_reject(method.delivery_tag, requeue=False)
    channel.basic_publish(topology.DEAD_EXCHANGE, topology.DATA_QUEUE,
                          f'{{"nik": "{NIK}"}}'.encode(),
                          persistent("cmd-2", {RETRIES_HEADER: 8, ERROR_HEADER: "db down"}),
                          mandatory=True)
    settled(channel, topology.dead_queue(topology.DATA_QUEUE), 2)


def count(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def settled(channel, queue: str, expected: int) -> bool:
    """True once `queue` holds `expected` messages: the broker dead-letters, and takes back what
    a closed channel held, in the background."""
    deadline = time.monotonic() + 10
    while count(channel, queue) != expected:
        assert time.monotonic() < deadline, f"{queue}: {count(channel, queue)}, not {expected}"
        time.sleep(0.05)
    return True


def test_list_shows_why_and_leaves_them(channel, capsys):
    park_two(channel)
    dead = topology.dead_queue(topology.DATA_QUEUE)
    assert count(channel, dead) == 2

    assert dead_letters.main(["list", dead, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The broker dead-letters a rejected message in the background: either may come first.
    entries = {e["message_id"]: e for e in map(json.loads, lines)}

    assert sorted(entries) == ["cmd-1", "cmd-2"]
    assert entries["cmd-1"]["reason"] == "rejected"
    assert entries["cmd-1"]["from"] == "siades.commands data.biodata"
    assert entries["cmd-2"]["last_error"] == "db down" and entries["cmd-2"]["retries"] == 8
    assert NIK not in entries["cmd-2"]["body"]  # masked
    assert settled(channel, dead, 2)  # still there


def test_requeue_one_by_id_then_the_rest(channel, capsys):
    park_two(channel)
    dead = topology.dead_queue(topology.DATA_QUEUE)

    assert dead_letters.main(["requeue", topology.DATA_QUEUE, "--id", "cmd-2"]) == 0
    assert "1 message(s) moved" in capsys.readouterr().out
    assert settled(channel, dead, 1)
    method, properties, body = channel.basic_get(topology.DATA_QUEUE, auto_ack=True)
    assert properties.message_id == "cmd-2"
    assert RETRIES_HEADER not in properties.headers  # starts afresh
    assert ERROR_HEADER not in properties.headers
    assert body == f'{{"nik": "{NIK}"}}'.encode()

    assert dead_letters.main(["requeue", topology.DATA_QUEUE]) == 0
    assert count(channel, dead) == 0
    method, properties, _ = channel.basic_get(topology.DATA_QUEUE, auto_ack=True)
    assert method is not None
    assert properties.message_id == "cmd-1"


def test_an_unknown_queue_is_refused_with_the_names(capsys):
    with pytest.raises(SystemExit):
        dead_letters.main(["list", "nope.commands"])
    assert "data_service.commands" in capsys.readouterr().err


def test_each_dead_command_is_copied_for_an_apology_and_a_requeue_keeps_its_deaths(channel):
    # Given two dead commands: each has its copy in the notice queue beside .dead
    park_two(channel)
    notices_queue = topology.notice_queue(topology.DATA_QUEUE)
    assert settled(channel, notices_queue, 2)
    for _ in range(2):
        method, _, _ = channel.basic_get(notices_queue, auto_ack=True)
        assert method is not None

    # When one is sent back and its consumer rejects it again
    assert dead_letters.requeue(channel, topology.DATA_QUEUE, 10, "cmd-1") == ["cmd-1"]
    method, _, _ = channel.basic_get(topology.DATA_QUEUE)
    channel.basic_reject(method.delivery_tag, requeue=False)

    # Then its new notice says it died twice (x-death went back with it): the worker
    # counts its apology as a repeat, which the notifier drops if it sent the first
    assert settled(channel, notices_queue, 1)
    _, properties, body = channel.basic_get(notices_queue, auto_ack=True)
    notice = notices.read_notice(body, properties, topology.DATA_QUEUE)
    assert (properties.message_id, notice.reason, notice.deaths) == ("cmd-1", "rejected", 2)
