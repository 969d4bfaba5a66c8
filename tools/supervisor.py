"""The system's processes in one table, and the supervisor that runs them as children.

`make run` (tools/run.py), the benchmarks (bench/stack.py) and the end-to-end tests
(tests/support/system.py) start the services from SERVICES, give them service_env(), and stop
them with a Supervisor; tests/deploy checks that deploy/docker-compose.yml runs the same
commands, with the variables each one needs and its health check where the table says.

    children = Supervisor(log_dir, grace=10)
    children.start("gateway", SERVICES["gateway"].argv, env)   # python -m services.gateway
    children.wait_http("http://127.0.0.1:8000" + SERVICES["gateway"].health)
    children.stop_all()          # SIGTERM to every child; SIGKILL to any still up after 10 s
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import requests

from tools.telegram_sim import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
SIM_TOKEN = DEFAULT_TOKEN  # the simulator's bot token


@dataclass(frozen=True)
class Service:
    """One of the system's processes, as every supervisor starts it and compose runs it."""

    name: str
    argv: tuple[str, ...]  # after `python`
    needs: tuple[str, ...] = ()  # variables it must be given: their defaults do not do
    health: str = ""  # the path that answers 200 once it serves
    port_from: str = ""  # the variable that says where `health` is served (host:port or port)
    compose_name: str = ""  # its service in deploy/docker-compose.yml, where the name differs

    @property
    def compose(self) -> str:
        """Its service name in deploy/docker-compose.yml."""
        return self.compose_name or self.name


_BROKER_AND_DATABASE = ("RABBITMQ_URL", "DATABASE_URL")
_WORKER_HEALTH = {"health": "/healthz", "port_from": "METRICS_PORT"}  # with METRICS_PORT set

# The long-running processes, in the order they start (the tests' System starts all but the
# console; `make run` all, the gateway with its mode, `webhook` or `poll`, appended).
SERVICES: dict[str, Service] = {service.name: service for service in (
    Service("gateway", ("-m", "services.gateway"),
            ("RABBITMQ_URL", "TELEGRAM_WEBHOOK_SECRET", "LETTER_VERIFY_KEY", "GATEWAY_BIND"),
            health="/healthz", port_from="GATEWAY_BIND"),
    Service("data_service", ("-m", "services.data_service"), _BROKER_AND_DATABASE,
            **_WORKER_HEALTH),
    Service("letter_service", ("-m", "services.letter_service"), _BROKER_AND_DATABASE,
            **_WORKER_HEALTH),
    Service("letter_watcher", ("-m", "services.letter_service", "watch"), _BROKER_AND_DATABASE,
            **_WORKER_HEALTH),
    Service("notifier", ("-m", "services.notifier"),
            ("RABBITMQ_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL"), **_WORKER_HEALTH),
    Service("staff_console", ("-m", "services.letter_service", "console"),
            ("DATABASE_URL", "CONSOLE_SECRET_KEY", "LETTER_SIGNING_KEY_FILE", "VERIFY_BASE_URL",
             "CONSOLE_BIND"),
            health="/healthz", port_from="CONSOLE_BIND", compose_name="console"),
)}
# Creates the missing tables and exits: compose's init job (make run and the tests call
# libs.siades.cli.init_db in-process instead).
INIT_DB = Service("init_db", ("-m", "libs.siades", "init-db"), ("DATABASE_URL",))
# Telegram's stand-in, never deployed: simulator_argv() adds its port and token.
SIMULATOR = Service("telegram_sim", ("-m", "tools.telegram_sim"), health="/sim/webhook")


def simulator_argv(port: int, *extra: str, token: str = SIM_TOKEN) -> list[str]:
    """The simulator's arguments after `python`: on `port`, for `token`."""
    return [*SIMULATOR.argv, "--port", str(port), "--token", token, *extra]


def service_env(base: Mapping[str, str], *, rabbitmq_url: str, database_url: str,
                telegram_api_url: str, bot_token: str, webhook_secret: str, gateway_port: int,
                console_port: int, console_secret_key: str, signing_key_file: Path | str,
                verify_key: str, verify_base_url: str) -> dict[str, str]:
    """`base` plus where the services find each other and their secrets, all on loopback:
    what `make run` and the end-to-end tests start every service of SERVICES with."""
    return dict(base, RABBITMQ_URL=rabbitmq_url, DATABASE_URL=database_url,
                TELEGRAM_BOT_TOKEN=bot_token, TELEGRAM_API_URL=telegram_api_url,
                TELEGRAM_WEBHOOK_SECRET=webhook_secret,
                GATEWAY_BIND=f"127.0.0.1:{gateway_port}",
                CONSOLE_BIND=f"127.0.0.1:{console_port}", CONSOLE_SECRET_KEY=console_secret_key,
                LETTER_SIGNING_KEY_FILE=str(signing_key_file), LETTER_VERIFY_KEY=verify_key,
                VERIFY_BASE_URL=verify_base_url, PYTHONUNBUFFERED="1",
                # The staff alerts' buttons open the console where it runs, unless told.
                CONSOLE_PUBLIC_URL=base.get("CONSOLE_PUBLIC_URL")
                or f"http://127.0.0.1:{console_port}")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30, check: Callable[[], None] | None = None,
              interval: float = 0.2) -> None:
    """Wait until `url` answers 200; between tries `check()` may raise (a child has died)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(interval)


class Supervisor:
    """Child processes, each `python <argv>` from the repository root with its output in
    `<logs>/<name>.log`; stopped with SIGTERM, then SIGKILL after `grace` seconds.

    echo: each line is also shown on our stdout, prefixed with the child's name (make run).
    own_session: each child leads a session of its own, so the terminal's Ctrl-C is ours to
    pass on and SIGKILL takes the child's own children too; without it (the tests' children)
    a kill is the child's alone.
    """

    def __init__(self, logs: Path, grace: float, echo: bool = False, own_session: bool = True):
        self.logs, self.grace, self.echo, self.own_session = logs, grace, echo, own_session
        self.processes: dict[str, subprocess.Popen] = {}  # the children still supervised
        self._pumps: dict[str, threading.Thread] = {}

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen:
        """Start `python <argv>` as `name` with exactly `env`."""
        command = [sys.executable, *argv]
        options = {"cwd": ROOT, "env": dict(env), "stderr": subprocess.STDOUT,
                   "stdin": subprocess.DEVNULL, "start_new_session": self.own_session}
        if self.echo:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, **options)
            self.watch(name, process)
            return process
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(command, stdout=log, **options)
        self.processes[name] = process
        return process

    def watch(self, name: str, process: subprocess.Popen) -> None:
        """Supervise a child started elsewhere whose stdout is a pipe: echo and log it."""
        self.processes[name] = process
        pump = threading.Thread(target=_pump, args=(name, process.stdout,
                                                    self.logs / f"{name}.log"), daemon=True)
        pump.start()
        self._pumps[name] = pump

    def exited(self) -> str | None:
        """The name of a child that has exited, if any."""
        return next((name for name, process in self.processes.items()
                     if process.poll() is not None), None)

    def check_alive(self) -> None:
        """Raise if a child has exited, with the end of its log."""
        if (name := self.exited()) is not None:
            log = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {self.processes[name].returncode}:\n{log}")

    def wait_http(self, url: str, timeout: float = 30, interval: float = 0.2) -> None:
        """Wait until `url` answers 200; fail early if a child has died."""
        wait_http(url, timeout, self.check_alive, interval)

    def stop(self, name: str, sig: int = signal.SIGTERM, grace: float | None = None) -> int | None:
        """Send `sig` to one child and wait for it, SIGKILL after the grace period; its exit
        code (None if no such child)."""
        process = self.processes.get(name)
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
        grace = self.grace if grace is None else grace
        return self._reap(name, time.monotonic() + grace, grace)

    def stop_all(self, keep: Iterable[str] = ()) -> None:
        """SIGTERM to every child but those in `keep` at once, the last started first; then
        wait for each, SIGKILL to any still up after the grace period."""
        keep = set(keep)
        names = [name for name in reversed(self.processes) if name not in keep]
        for name in names:
            if self.processes[name].poll() is None:
                self.processes[name].send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for name in names:
            self._reap(name, deadline, self.grace)

    def _reap(self, name: str, deadline: float, grace: float) -> int:
        process = self.processes.pop(name)
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            if self.echo:
                print(f"{name} did not stop within {grace:g} s; killing it", flush=True)
            with suppress(ProcessLookupError):  # it ended just now
                if self.own_session:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            process.wait()
        if (pump := self._pumps.pop(name, None)) is not None:
            pump.join(2)  # the rest of its output
        return process.returncode


def _pump(name: str, stream, log_path: Path) -> None:
    """Copy a child's output to our stdout, prefixed, and to its log file."""
    with open(log_path, "ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()
            sys.stdout.write(f"{name:>14} | {line.decode(errors='replace')}")
            sys.stdout.flush()
