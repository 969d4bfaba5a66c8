"""A real RabbitMQ node for the test run, and a fresh virtual host per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tools.rabbitmq_node import RabbitNode
from tools.supervisor import free_port  # also where the tests take it from


def own_node(directory: Path, name: str) -> Iterator[RabbitNode]:
    """A node of the test's own, to stop and restart; killed after (a throw-away node needs
    no graceful stop's seconds)."""
    node = RabbitNode(directory, port=free_port(), management_port=free_port(),
                      dist_port=free_port(), name=name)
    try:
        node.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))  # in CI a missing broker is a failure, never a skip
    yield node
    node.kill()


class Broker:
    """The test run's node plus helpers to make isolated virtual hosts over the HTTP API."""

    def __init__(self, node: RabbitNode):
        self.node = node
        self.api = f"http://127.0.0.1:{node.management_port}/api"
        self.auth = ("guest", "guest")

    def new_vhost(self) -> str:
        """Create an empty vhost that guest may use; return its AMQP URL."""
        name = f"test-{uuid.uuid4().hex[:10]}"
        vhost = quote(name, safe="")
        requests.put(f"{self.api}/vhosts/{vhost}", auth=self.auth, timeout=30).raise_for_status()
        requests.put(
            f"{self.api}/permissions/{vhost}/guest", auth=self.auth, timeout=30,
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
        return f"amqp://guest:guest@127.0.0.1:{self.node.port}/{vhost}"

    def delete_vhost(self, url: str) -> None:
        """Drop a vhost made by new_vhost."""
        vhost = url.rsplit("/", 1)[1]
        requests.delete(f"{self.api}/vhosts/{vhost}", auth=self.auth, timeout=30)

    def queue(self, url: str, name: str) -> dict:
        """The management API's view of one queue (message counts and consumers)."""
        vhost = url.rsplit("/", 1)[1]
        response = requests.get(f"{self.api}/queues/{vhost}/{quote(name, safe='')}",
                                auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def close_connections(self, url: str, at_least: int = 1, timeout: float = 15) -> int:
        """Have the broker close every client connection of url's vhost, as a restart would.

        The management API lists a new connection only after its next stats tick (~5 s).
        """
        vhost = url.rsplit("/", 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            conns = requests.get(f"{self.api}/vhosts/{vhost}/connections", auth=self.auth,
                                 timeout=10).json()
            if len(conns) >= at_least:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(conns)} connections listed after {timeout}s")
            time.sleep(0.25)
        for conn in conns:
            requests.delete(f"{self.api}/connections/{quote(conn['name'], safe='')}",
                            auth=self.auth, timeout=10)
        return len(conns)

    def wait_for_consumers(self, url: str, queue: str, timeout: float = 15,
                           count: int = 1) -> None:
        """Wait until `queue` has `count` consumers (the management API lags up to ~5 s)."""
        deadline = time.monotonic() + timeout
        while self._consumers(url, queue) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} consumers on {queue} after {timeout}s")
            time.sleep(0.25)

    def _consumers(self, url: str, queue: str) -> int:
        try:
            return self.queue(url, queue).get("consumers", 0)
        except requests.HTTPError:
            return 0  # not declared yet
