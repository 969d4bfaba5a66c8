"""A private RabbitMQ node on loopback, its data under one directory, started without systemd.

Used by `make run` and by the tests. `python -m tools.rabbitmq_node DIR` runs one in the
foreground until SIGTERM/SIGINT; `RabbitNode(DIR, ...).start()` does the same from Python.
Everything the node listens on is on 127.0.0.1: AMQP, the management console, the Erlang
distribution port and the port mapper (epmd) if this node is the one that starts it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
INSTALL_HINT = "RabbitMQ is not installed: run `apt-get install rabbitmq-server` (as root)."
# The distribution port of the server and of the CLI tools' own short-lived node: loopback.
LOOPBACK_DISTRIBUTION = "-kernel inet_dist_use_interface {127,0,0,1}"
# RabbitMQ 3.10's management agent, stopped with the broker, sets an application variable from
# inside the application's own stop and so waits out the application controller's 5 s timeout.
# Its event handler removed first, the broker stops in about 1 s instead of 6.
DROP_STATS_HANDLER = "gen_event:delete_handler(rabbit_event, rabbit_mgmt_db_handler, [])."


class RabbitNode:
    """One broker node: AMQP on `port`, the management console on `management_port`."""

    def __init__(self, base: Path | str, port: int = 5672, management_port: int = 15672,
                 dist_port: int | None = None, name: str = "siades",
                 epmd_port: int | None = None):
        self.base = Path(base).resolve()
        self.port = port
        self.management_port = management_port
        self.dist_port = dist_port or port + 20000
        self.epmd_port = epmd_port  # None: Erlang's own, 4369 unless ERL_EPMD_PORT says
        self.nodename = f"{name}-{port}@localhost"
        self.process: subprocess.Popen | None = None
        self.started_epmd = False  # True if no epmd ran before this node started one
        self._stop_prepared = False

    @property
    def url(self) -> str:
        """AMQP URL of the default vhost for the guest user (loopback only)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def os_pid(self) -> int:
        """The process id of the node's Erlang VM (the server script is its parent)."""
        return int((self.base / "rabbitmq.pid").read_text())

    def env(self) -> dict[str, str]:
        """Environment under which the server and rabbitmqctl find this node."""
        epmd = {"ERL_EPMD_PORT": str(self.epmd_port)} if self.epmd_port else {}
        return dict(
            os.environ,
            **epmd,
            HOME=str(self.base),  # the Erlang cookie lives here
            RABBITMQ_NODENAME=self.nodename,
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_PID_FILE=str(self.base / "rabbitmq.pid"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_ADDRESS="127.0.0.1",  # for an epmd this node starts
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=LOOPBACK_DISTRIBUTION,
            RABBITMQ_CTL_ERL_ARGS=LOOPBACK_DISTRIBUTION,
            ERL_CRASH_DUMP=str(self.base / "erl_crash.dump"),  # not in whatever the cwd is
        )

    def _write_config(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"management.tcp.ip = 127.0.0.1\n"
            f"management.tcp.port = {self.management_port}\n"
            "log.console = false\n"
            "log.file.level = warning\n"
        )
        (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.base / "rabbitmq-env.conf").write_text("")

    def start(self, timeout: float = 90, output=None) -> RabbitNode:
        """Start the node and wait until it accepts connections.

        The server's own output goes to `output` (e.g. subprocess.PIPE, read from
        self.process.stdout), by default to `server.out` in the node's directory.
        """
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise RuntimeError(INSTALL_HINT)
        self._write_config()
        # After a kill() the epmd this node started is still ours, and still running.
        self.started_epmd = self.started_epmd or not self._epmd_running()
        self._stop_prepared = False
        if output is None:
            output = open(self.base / "server.out", "ab")
        self.process = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")], env=self.env(), stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        pid_file = self.base / "rabbitmq.pid"
        deadline = time.monotonic() + timeout
        while not pid_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ did not start; see its output and {self.base}/log")
            time.sleep(0.1)
        self.ctl("wait", "--timeout", str(int(timeout)), str(pid_file))
        return self

    def ctl(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        """Run rabbitmqctl against this node and return its output."""
        result = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.nodename, *args], env=self.env(),
            capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr or result.stdout}")
        return result.stdout

    def prepare_stop(self) -> None:
        """Make the coming stop() fast (DROP_STATS_HANDLER); clients may still be connected,
        so this can run while they finish."""
        if self._stop_prepared or self.process is None or self.process.poll() is not None:
            return
        try:
            self.ctl("eval", DROP_STATS_HANDLER, check=False, timeout=10)
        except subprocess.TimeoutExpired:
            pass  # a node that does not answer is stopped all the same, only slower
        self._stop_prepared = True

    def stop(self, timeout: float = 60) -> None:
        """Stop the node gracefully (SIGTERM: the server script passes it to the Erlang VM,
        which stops RabbitMQ), then the epmd it started, if no other node uses it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.prepare_stop()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._stop_own_epmd()

    def kill(self) -> None:
        """Kill the node outright (a crash), leaving its data for the next start."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _epmd(self, *args: str) -> subprocess.CompletedProcess | None:
        """Ask the Erlang port mapper this node uses; None if there is no epmd program."""
        epmd = shutil.which("epmd")
        if not epmd:
            return None
        return subprocess.run([epmd, *args], env=self.env(), capture_output=True, text=True,
                              timeout=10)

    def _epmd_running(self) -> bool:
        result = self._epmd("-names")
        return result is not None and result.returncode == 0

    def _stop_own_epmd(self) -> None:
        """Stop the port mapper if this node started it and no node is registered any more:
        another user's epmd, or one another node still uses, stays."""
        if not self.started_epmd:
            return
        result = self._epmd("-names")
        if result is not None and result.returncode == 0 and "name " not in result.stdout:
            self._epmd("-kill")
        self.started_epmd = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=5672)
    parser.add_argument("--management-port", type=int, default=15672)
    args = parser.parse_args()
    node = RabbitNode(args.directory, args.port, args.management_port)
    stopping = False

    def on_signal(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        node.start()
    except RuntimeError as exc:
        sys.exit(str(exc))
    print(f"RabbitMQ up: {node.url}, console http://127.0.0.1:{node.management_port}/",
          flush=True)
    while not stopping and node.process.poll() is None:
        time.sleep(0.2)
    node.stop()


if __name__ == "__main__":
    main()
