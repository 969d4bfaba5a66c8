"""`make run`'s supervisor (tools/run.py): everything up, answers, and nothing left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from libs.siades.demo import DEMO_RESIDENTS
from tests.support.listeners import beyond_loopback
from tools.supervisor import free_port
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import serve

pytestmark = pytest.mark.broker  # `make run` starts a RabbitMQ node of its own

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Layanan Desa is running"
PORTS = ("amqp", "console", "dist", "sim", "gateway", "staff")  # each a --<name>-port option


class MakeRun:
    """`python -m tools.run` on free ports in a directory of its own, its output collected."""

    def __init__(self, run_dir: Path, env: dict[str, str] | None = None):
        self.extra_env = env or {}
        self.marker = f"SIADES_TEST_RUN={uuid.uuid4().hex}"
        self.ports = {name: free_port() for name in PORTS}
        self.sim = f"http://127.0.0.1:{self.ports['sim']}"
        self.run_dir = run_dir
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in ("TELEGRAM_BOT_TOKEN", "PUBLIC_URL", "TELEGRAM_API_URL")}
        env.update(self.extra_env)
        key, _, value = self.marker.partition("=")
        env[key] = value  # inherited by every descendant: how we find them afterwards
        args = [sys.executable, "-m", "tools.run", "--dir", str(self.run_dir)]
        for name, port in self.ports.items():
            args += [f"--{name}-port", str(port)]
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._collect, daemon=True).start()
        self.wait_for(BANNER, timeout=120)

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"no {text!r} from make run:\n" + "".join(self.output[-60:]))
            time.sleep(0.1)

    def ask(self, user_id: int, text: str) -> str:
        """Write to the bot as resident `user_id` and return its next reply's plain text."""
        after = requests.get(f"{self.sim}/sim/messages", params={"chat_id": user_id},
                             timeout=5).json()["messages"]
        cursor = after[-1]["seq"] if after else 0
        requests.post(f"{self.sim}/sim/updates", timeout=5, json={
            "user": {"id": user_id, "first_name": "Uji"}, "text": text}).raise_for_status()
        answer = requests.get(f"{self.sim}/sim/messages", timeout=35, params={
            "chat_id": user_id, "after": cursor, "wait": 30}).json()["messages"]
        assert answer, f"no reply to {text!r}"
        return answer[0]["plain_text"]

    def stop(self, signum: int) -> float:
        """Send `signum`; returns the seconds until make run exited."""
        started = time.monotonic()
        self.process.send_signal(signum)
        self.process.wait(60)
        return time.monotonic() - started

    def survivors(self) -> list[str]:
        """Command lines of live processes that inherited this run's marker."""
        return list(self.processes().values())

    def processes(self) -> dict[int, str]:
        """The command line of each live process that inherited this run's marker, by pid."""
        found = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if self.marker.encode() not in (proc / "environ").read_bytes().split(b"\0"):
                    continue
                if (proc / "stat").read_text().split(") ")[-1].startswith("Z"):
                    continue  # a zombie has already exited
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(
                    b"\0", b" ").decode()
            except OSError:
                continue  # it ended while we looked
        return found

    def reachable_from_outside(self) -> dict[str, list[tuple[str, int]]]:
        """What any process of this run listens on beyond loopback, by command line."""
        found = {}
        for pid, command in self.processes().items():
            try:
                if sockets := beyond_loopback(pid):
                    found[command] = sockets
            except OSError:
                continue  # it ended while we looked
        return found


def run_and_stop(run: MakeRun, signum: int, talk) -> None:
    """Start make run, `talk(run)` to it, stop it with `signum`: it must exit 0, leaving nothing."""
    run.start()
    try:
        talk(run)
    finally:
        seconds = run.stop(signum)
    print(f"make run stopped {seconds:.1f} s after {signal.Signals(signum).name}")
    assert run.process.returncode == 0, "".join(run.output[-30:])
    assert run.survivors() == []


def test_make_run_answers_stops_everything_and_keeps_its_data(tmp_path):
    nik, no_kk, name = DEMO_RESIDENTS["head"]

    def register(run: MakeRun) -> None:
        assert "DAFTAR#" in "".join(run.output)  # the banner names residents to try
        # Loopback only, the broker's Erlang distribution port included: a reverse proxy or
        # an SSH tunnel is how anything else reaches the system.
        assert run.reachable_from_outside() == {}
        assert run.ask(8101, f"DAFTAR#{nik}#{no_kk}").startswith("Pendaftaran berhasil")
        assert name in run.ask(8101, "Biodata")

    def still_linked(run: MakeRun) -> None:
        assert "kept from the last run" in "".join(run.output)
        assert name in run.ask(8101, "Biodata")

    run_and_stop(MakeRun(tmp_path / "run"), signal.SIGINT, register)
    run_and_stop(MakeRun(tmp_path / "run"), signal.SIGTERM, still_linked)  # the same directory


def test_a_port_in_use_is_one_sentence_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "tools.run", "--dir", str(tmp_path), "--gateway-port",
             str(port), "--amqp-port", str(free_port()), "--console-port", str(free_port()),
             "--dist-port", str(free_port()), "--sim-port", str(free_port())],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Port {port} is in use: stop what listens there, or run "
        f"`.venv/bin/python -m tools.run --gateway-port <another port>`.")
    assert "Traceback" not in result.stdout + result.stderr


def test_with_a_bot_token_make_run_long_polls_the_bot_api(tmp_path):
    token = "777:REAL-LOOKING"

    def talk(run: MakeRun) -> None:
        assert "long polling" in "".join(run.output)
        assert "belum terhubung" in run.ask(8201, "/start")
        calls = requests.get(f"{run.sim}/sim/calls", timeout=5).json()["calls"]
        methods = {call["method"] for call in calls}
        assert {"getMe", "setMyCommands", "getUpdates", "sendMessage"} <= methods
        assert "setWebhook" not in methods

    with serve(create_app(token)) as telegram:  # standing in for api.telegram.org
        run = MakeRun(tmp_path / "run", {"TELEGRAM_BOT_TOKEN": token,
                                         "TELEGRAM_API_URL": telegram})
        run.sim = telegram
        run_and_stop(run, signal.SIGTERM, talk)


def test_a_token_telegram_refuses_is_one_sentence(tmp_path):
    with serve(create_app("1:RIGHT")) as telegram:
        result = subprocess.run(
            [sys.executable, "-m", "tools.run", "--dir", str(tmp_path),
             *[arg for name in PORTS
               for arg in (f"--{name}-port", str(free_port()))]],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
            env=dict(os.environ, TELEGRAM_BOT_TOKEN="1:WRONG", TELEGRAM_API_URL=telegram))
    assert result.returncode == 1
    assert result.stderr.strip() == ("Telegram does not accept TELEGRAM_BOT_TOKEN: copy it "
                                     "again from @BotFather (/mybots, API Token).")
