"""Every AMQP connection of the system is named in the broker's console for the service that
holds it, and the process (pid): the operator can tell the gateway's from the notifier's."""

from __future__ import annotations

import re
import time

import requests

from tests.support.rabbit import free_port
from tests.support.system import System

NAMED = re.compile(r"(?P<service>.+) pid (?P<pid>\d+)")


def connection_names(broker, amqp_url: str, expected: int, timeout: float = 20) -> list[str]:
    """The client-given names of the vhost's connections, once `expected` are listed (the
    management API lists a connection after its next stats tick, ~5 s)."""
    vhost = amqp_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + timeout
    while True:
        connections = requests.get(f"{broker.api}/vhosts/{vhost}/connections",
                                   auth=broker.auth, timeout=10).json()
        names = [(c.get("client_properties") or {}).get("connection_name", "")
                 for c in connections]
        if len(names) >= expected or time.monotonic() > deadline:
            return sorted(names)
        time.sleep(0.5)


def test_each_connection_is_named_for_its_service_and_process(broker, amqp_url, sqlite_url,
                                                                tmp_path):
    system = System(amqp_url, sqlite_url, tmp_path)
    watcher_metrics = free_port()
    system.process_env["letter_watcher"] = {"METRICS_PORT": str(watcher_metrics)}
    system.start()
    try:
        assert system.ask(7301, "/start")["text"]  # the gateway, a worker, the notifier
        # The watcher connects when it has something to publish, or when asked for its health.
        requests.get(f"http://127.0.0.1:{watcher_metrics}/healthz", timeout=15)
        names = connection_names(broker, amqp_url, expected=5)
        pids = {name: process.pid for name, process in system.processes.items()}
    finally:
        system.stop()

    services = {}
    for name in names:
        match = NAMED.fullmatch(name)
        assert match, f"connection named {name!r}, not '<service> pid <pid>'"
        services.setdefault(match["service"], set()).add(int(match["pid"]))
    # Each gateway worker also follows the revocations stream on a connection of its own.
    assert set(services) == {"gateway (webhook)", "gateway (revocations)", "data_service",
                             "letter_service", "letter_watcher", "notifier"}, names
    assert services["gateway (webhook)"] <= services["gateway (revocations)"]
    for service in ("data_service", "letter_service", "letter_watcher", "notifier"):
        assert services[service] == {pids[service]}
