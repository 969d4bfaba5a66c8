"""tools/rabbitmq_node.py: the node `make run` and the tests start listens on loopback only, and
stops the Erlang port mapper (epmd) only if it started it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.listeners import beyond_loopback, listening
from tests.support.rabbit import free_port
from tools.rabbitmq_node import RabbitNode

pytestmark = pytest.mark.broker  # nodes of its own, beside the `broker` fixture

EPMD = shutil.which("epmd") or "epmd"


def epmd(port: int, *args: str) -> subprocess.CompletedProcess:
    """Run `epmd` against the port mapper on `port` (127.0.0.1 if it starts one)."""
    return subprocess.run([EPMD, "-port", str(port), *args], capture_output=True, text=True,
                          timeout=10, env={"ERL_EPMD_ADDRESS": "127.0.0.1"})


def epmd_pids(port: int) -> list[int]:
    """The epmd processes listening on `port`."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "epmd" and any(
                    listened == port for _, listened in listening(int(proc.name))):
                pids.append(int(proc.name))
        except OSError:
            continue  # it ended while we looked
    return pids


def private_node(base: Path, epmd_port: int) -> RabbitNode:
    return RabbitNode(base, free_port(), free_port(), free_port(), name="epmd",
                      epmd_port=epmd_port)


def test_the_node_listens_on_loopback_only(broker):
    node = broker.node
    ports = {port for _, port in listening(node.os_pid)}
    assert {node.port, node.management_port, node.dist_port} <= ports
    assert beyond_loopback(node.os_pid) == []


def test_an_epmd_the_node_started_listens_on_loopback_and_stops_with_it(tmp_path):
    port = free_port()
    assert epmd(port, "-names").returncode != 0  # no port mapper there yet
    node = private_node(tmp_path, port).start()
    try:
        (pid,) = epmd_pids(port)
        assert beyond_loopback(pid) == []
        assert node.nodename.split("@")[0] in epmd(port, "-names").stdout
    finally:
        node.stop()
    assert epmd(port, "-names").returncode != 0, "the epmd it started outlived the node"


def test_an_epmd_someone_else_started_is_left_running(tmp_path):
    port = free_port()
    assert epmd(port, "-daemon").returncode == 0  # another RabbitMQ user's, already there
    try:
        node = private_node(tmp_path, port).start()
        node.stop()
        assert epmd(port, "-names").returncode == 0, "stopping the node killed another's epmd"
    finally:
        epmd(port, "-kill")
