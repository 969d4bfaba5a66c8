"""The deployment's definitions (tools/deploy_config.py) on the real broker: each user can do
what its service does and nothing else; services check instead of declaring."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import pika
import pytest
import requests

from libs import topology
from libs.config import Settings
from libs.errors import PermanentError
from libs.messaging import TopologyMismatch, declare_topology
from libs.publishing import Publisher
from tests.support.deployed import (
    attempt,
    consume,
    get,
    import_deployment,
    publish,
    remove_deployment,
)
from tools import deploy_config

DATA, LETTER, NOTIFIER = topology.DATA_QUEUE, topology.LETTER_QUEUE, topology.NOTIFIER_QUEUE
DEAD = {queue: topology.dead_queue(queue) for queue in (DATA, LETTER, NOTIFIER)}
NOTICES = {queue: topology.notice_queue(queue) for queue in (DATA, LETTER)}


def follow(stream: str):
    """An action: read a stream from its start, as the gateway's revocation follower does."""
    def run(channel):
        channel.basic_qos(prefetch_count=10)
        channel.basic_consume(stream, lambda *_: None, arguments={"x-stream-offset": "first"})
    return run

ACTIONS = {
    "publish siades.commands": publish(topology.COMMANDS_EXCHANGE, "data.probe"),
    "publish siades.outbox": publish(topology.OUTBOX_EXCHANGE, topology.OUTBOX_ROUTING_KEY),
    "publish siades.retry": publish(topology.RETRY_EXCHANGE, DATA),
    "publish siades.dead": publish(topology.DEAD_EXCHANGE, DATA),
    "publish amq.default": publish("", DEAD[DATA]),
    "publish siades.revocations": publish(topology.REVOCATIONS_EXCHANGE,
                                          topology.REVOCATION_ROUTING_KEY),
    f"follow {topology.REVOCATIONS_STREAM}": follow(topology.REVOCATIONS_STREAM),
    **{f"consume {queue}": consume(queue)
       for queue in (DATA, LETTER, NOTIFIER, *NOTICES.values())},
    **{f"get {dead}": get(dead) for dead in DEAD.values()},
    "declare an exchange": lambda ch: ch.exchange_declare("probe.x", "topic"),
    "redeclare a work queue": lambda ch: ch.queue_declare(
        DATA, durable=True, arguments=topology.work_arguments(topology.WORK_QUEUES[0])),
    "delete a dead queue": lambda ch: ch.queue_delete(DEAD[DATA]),
    "check the topology (passive)": topology.check,
}

# Written out, not derived from deploy_config: what each service's code needs, no more.
ALLOWED = {
    "gateway": {"publish siades.commands", f"follow {topology.REVOCATIONS_STREAM}"},
    "data_service": {"publish siades.outbox", "publish siades.retry", f"consume {DATA}",
                     f"consume {NOTICES[DATA]}"},
    "letter_service": {"publish siades.outbox", "publish siades.retry", f"consume {LETTER}",
                       f"consume {NOTICES[LETTER]}", "publish siades.revocations"},
    "notifier": {"publish siades.dead", f"consume {NOTIFIER}"},
    "ops": {"publish amq.default", *(f"get {dead}" for dead in DEAD.values())},
}


@pytest.fixture
def deployed(broker, tmp_path):
    deployed = import_deployment(broker, tmp_path / "deploy")
    yield deployed
    remove_deployment(deployed)


def test_each_user_may_do_what_its_service_does_and_nothing_else(deployed):
    users = deploy_config.users()
    found = {}
    for user in users:
        connection = pika.BlockingConnection(pika.URLParameters(deployed.url(user)))
        try:
            found[user] = {name: attempt(connection, action) for name, action in ACTIONS.items()}
        finally:
            connection.close()

    width = max(map(len, ACTIONS))
    print(f"\n{'':{width}}  " + "  ".join(f"{u:>14}" for u in users))
    for name in ACTIONS:
        print(f"{name:{width}}  " + "  ".join(f"{found[u][name]:>14}" for u in users))

    for user in users:
        expected = ALLOWED[user] | {"check the topology (passive)"}
        assert {name for name, result in found[user].items() if result == "yes"} == expected
        assert {result for name, result in found[user].items() if name not in expected} \
            == {"no"}, user  # refused by permission (403), not by anything else


def test_guest_has_no_access_to_the_deployment(deployed):
    guest = deployed.broker.auth
    vhost = quote(deployed.vhost)
    granted = requests.get(f"{deployed.broker.api}/vhosts/{vhost}/permissions", auth=guest,
                           timeout=10).json()
    assert sorted(p["user"] for p in granted) == sorted(deploy_config.users())
    url = f"amqp://guest:guest@127.0.0.1:{deployed.broker.node.port}/{vhost}"
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError):
        pika.BlockingConnection(pika.URLParameters(url))


def test_services_that_declare_match_the_imported_topology(deployed):
    # A service left at RABBITMQ_DECLARE=true (guest here, with every permission) declares
    # against the imported queues: same arguments, so no 406.
    api, guest = deployed.broker.api, deployed.broker.auth
    vhost = quote(deployed.vhost)
    requests.put(f"{api}/permissions/{vhost}/guest", auth=guest, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    url = f"amqp://guest:guest@127.0.0.1:{deployed.broker.node.port}/{vhost}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        declare_topology(connection.channel())
        declare_topology(connection.channel(), declare=False)
    finally:
        connection.close()
    queues = requests.get(f"{api}/queues/{vhost}", auth=guest, timeout=10).json()
    assert sorted(q["name"] for q in queues) == sorted(n for n, _ in topology.queues())
    # The policy applies to the work queues (what rabbitmqctl says: the API lags behind).
    applied = deployed.broker.node.ctl("list_queues", "-p", deployed.vhost, "name", "policy",
                                       "--no-table-headers", "--quiet")
    rows = [line.partition("\t") for line in applied.strip().splitlines()]
    assert {q for q, _, policy in rows if policy == "siades-delivery-limit"} \
        == {DATA, LETTER, NOTIFIER}
    work = next(q for q in queues if q["name"] == DATA)
    assert work["arguments"]["x-delivery-limit"] == topology.DELIVERY_LIMIT


def test_the_operator_works_through_the_management_api(deployed):
    api, ops = deployed.broker.api, deployed.auth("ops")
    vhost = quote(deployed.vhost)
    # A message parked in data_service.commands.dead, as the broker would park it
    gateway = pika.BlockingConnection(pika.URLParameters(deployed.url("notifier")))
    assert attempt(gateway, publish(topology.DEAD_EXCHANGE, DATA)) == "yes"
    gateway.close()

    listed = requests.get(f"{api}/queues/{vhost}", auth=ops, timeout=10)
    assert listed.status_code == 200 and len(listed.json()) == len(topology.queues())

    def get_from(queue: str) -> requests.Response:
        return requests.post(f"{api}/queues/{vhost}/{quote(queue)}/get", auth=ops, timeout=10,
                             json={"count": 5, "ackmode": "reject_requeue_false",
                                   "encoding": "auto"})

    # Moving a dead letter back: take it from the dead queue, publish it to the work queue
    taken = get_from(DEAD[DATA])
    assert taken.status_code == 200 and [m["payload"] for m in taken.json()] == ["{}"]
    sent = requests.post(f"{api}/exchanges/{vhost}/amq.default/publish", auth=ops, timeout=10,
                         json={"routing_key": DATA, "payload": "{}", "payload_encoding": "string",
                               "properties": {"delivery_mode": 2}})
    assert sent.status_code == 200 and sent.json() == {"routed": True}

    refused = {
        "get from a work queue": get_from(DATA),
        "publish to siades.commands": requests.post(
            f"{api}/exchanges/{vhost}/siades.commands/publish", auth=ops, timeout=10,
            json={"routing_key": "data.x", "payload": "{}", "payload_encoding": "string",
                  "properties": {}}),
        "delete a queue": requests.delete(f"{api}/queues/{vhost}/{quote(DATA)}", auth=ops,
                                          timeout=10),
        "change a policy": requests.put(
            f"{api}/policies/{vhost}/siades-delivery-limit", auth=ops, timeout=10,
            json={"pattern": ".*", "definition": {"delivery-limit": 1}}),
        "list users": requests.get(f"{api}/users", auth=ops, timeout=10),
        "export definitions": requests.get(f"{api}/definitions", auth=ops, timeout=10),
    }
    print("\nops over the management API: list queues 200, get from a .dead queue 200, "
          "publish to amq.default 200 (routed); refused: "
          + ", ".join(f"{what} {r.status_code}" for what, r in refused.items()))
    # The API answers a publish the broker refused (403) with 400 and the broker's reason.
    assert {what: r.status_code for what, r in refused.items()} \
        == dict(dict.fromkeys(refused, 401), **{"publish to siades.commands": 400})
    assert "403 ACCESS_REFUSED" in refused["publish to siades.commands"].json()["reason"]


def test_a_service_that_may_not_declare_stops_naming_what_is_missing(amqp_url, sqlite_url):
    # Given a broker without the definitions (an empty vhost) and RABBITMQ_DECLARE=false
    settings = Settings(rabbitmq_url=amqp_url, rabbitmq_declare=False)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    with pytest.raises(TopologyMismatch, match="no exchange 'siades.commands'.*definitions.json"):
        declare_topology(connection.channel(), declare=False)
    connection.close()

    publisher = Publisher(settings)
    with pytest.raises(PermanentError, match="no exchange 'siades.commands'.*definitions.json"):
        publisher.publish(topology.COMMANDS_EXCHANGE, "data.x", b"{}", "m-1")
    publisher.close()

    # The worker process stops at start with that message, and declared nothing
    worker = subprocess.run(
        [sys.executable, "-m", "services.data_service"], capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/bin:/bin", "RABBITMQ_URL": amqp_url,
                         "DATABASE_URL": sqlite_url, "RABBITMQ_DECLARE": "false"})
    assert worker.returncode != 0
    assert "no exchange 'siades.commands'" in worker.stderr
    assert "deploy/rabbitmq/definitions.json" in worker.stderr
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="404"):
        connection.channel().exchange_declare(topology.COMMANDS_EXCHANGE, passive=True)
    connection.close()
