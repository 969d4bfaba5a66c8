"""The whole system as real processes: telegram_sim, the gateway under gunicorn, the workers,
the status watcher, the notifier (and on request the staff console). Used by the end-to-end
tests; every process is stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from libs.letter_tokens import generate_keypair
from tests.support.rabbit import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SIM-TOKEN"
SECRET = "e2e-webhook-secret"

SERVICES = {
    "gateway": ["-m", "services.gateway"],
    "data_service": ["-m", "services.data_service"],
    "letter_service": ["-m", "services.letter_service"],
    "letter_watcher": ["-m", "services.letter_service", "watch"],
    "notifier": ["-m", "services.notifier"],
}
CONSOLE = ["-m", "services.letter_service", "console"]


class System:
    """Starts and stops the processes; talks to the simulator on the residents' side."""

    def __init__(self, amqp_url: str, database_url: str, log_dir: Path):
        self.sim_port = free_port()
        self.gateway_port = free_port()
        self.console_port = free_port()
        self.sim = f"http://127.0.0.1:{self.sim_port}"
        self.gateway = f"http://127.0.0.1:{self.gateway_port}"
        self.console = f"http://127.0.0.1:{self.console_port}"
        self.log_dir = log_dir
        signing_key, verify_key = generate_keypair(log_dir / "keys")
        self.env = dict(
            os.environ,
            RABBITMQ_URL=amqp_url,
            DATABASE_URL=database_url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=self.sim,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            GATEWAY_BIND=f"127.0.0.1:{self.gateway_port}",
            LETTER_SIGNING_KEY_FILE=str(signing_key),
            LETTER_VERIFY_KEY=verify_key,
            VERIFY_BASE_URL=self.gateway,
            CONSOLE_BIND=f"127.0.0.1:{self.console_port}",
            CONSOLE_SECRET_KEY="e2e-console-session-key",
            RETRY_DELAY_MS="300",
            PYTHONUNBUFFERED="1",
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.services = dict(SERVICES)  # what start() runs; a test may swap in a variant
        self.process_env: dict[str, dict[str, str]] = {}  # per process, over self.env
        self.sim_args: list[str] = []  # extra options for the simulator
        self.seen: dict[int, int] = {}

    def start_process(self, name: str, args: list[str] | None = None,
                      env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start one named process with the system's environment, updated by `env` (by
        default its entry in process_env)."""
        args = args or self.commands.get(name) or self.services[name]
        env = dict(self.env, **(self.process_env.get(name, {}) if env is None else env))
        with open(self.log_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        self.processes[name] = process
        self.commands[name] = args
        return process

    def start(self) -> System:
        """Everything up, the webhook set, the gateway healthy."""
        self.start_process("telegram_sim", ["-m", "tools.telegram_sim", "--port",
                                            str(self.sim_port), "--token", TOKEN,
                                            *self.sim_args])
        for name in self.services:
            self.start_process(name)
        self._wait_for(f"{self.sim}/sim/webhook")
        self._wait_for(f"{self.gateway}/healthz")
        self.bot("setWebhook", url=f"{self.gateway}/telegram/webhook", secret_token=SECRET)
        return self

    def start_console(self) -> None:
        """The staff console, once it answers."""
        self.start_process("staff_console", CONSOLE)
        self._wait_for(f"{self.console}/masuk")

    def stop_process(self, name: str, sig=signal.SIGTERM, timeout: float = 20) -> int:
        """Stop one process and return its exit code."""
        if self.processes[name].poll() is None:
            self.processes[name].send_signal(sig)
        return self._reap(name, timeout)

    def _reap(self, name: str, timeout: float = 20) -> int:
        process = self.processes.pop(name)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return process.returncode

    def kill(self, name: str, sig=signal.SIGKILL) -> int:
        """Kill one process outright (kill -9 by default); returns its exit code."""
        return self.stop_process(name, sig)

    def restart(self, name: str) -> subprocess.Popen:
        """Start a stopped or killed process again, as a restart policy would."""
        if name in self.processes and self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        return self.start_process(name)

    def stop(self) -> None:
        """Stop every process, the simulator last."""
        services = [n for n in self.processes if n != "telegram_sim"]
        for name in services:  # all told at once: each takes a second or two to finish
            if self.processes[name].poll() is None:
                self.processes[name].send_signal(signal.SIGTERM)
        for name in services:
            self._reap(name)
        if "telegram_sim" in self.processes:
            self.stop_process("telegram_sim")

    def bot(self, method: str, **params) -> dict:
        """Call the Bot API on the simulator as the bot would."""
        response = requests.post(f"{self.sim}/bot{TOKEN}/{method}", json=params, timeout=10)
        return response.json()

    def send(self, user_id: int, text: str, first_name: str = "Warga") -> int:
        """A resident types `text`; returns the update id."""
        response = requests.post(f"{self.sim}/sim/updates", timeout=10, json={
            "user": {"id": user_id, "first_name": first_name, "language_code": "id"},
            "text": text,
        })
        response.raise_for_status()
        return response.json()["update_id"]

    def tap(self, user_id: int, callback_data: str, message_id: int | None = None) -> str:
        """A resident taps the inline button with `callback_data` (on message `message_id`,
        else the newest that has it); returns the query id."""
        response = requests.post(f"{self.sim}/sim/updates", timeout=10, json={
            "user": {"id": user_id, "first_name": "Warga"}, "callback_data": callback_data,
            "message_id": message_id})
        response.raise_for_status()
        return response.json()["callback_query_id"]

    def callback_answer(self, query_id: str, wait: float = 15) -> dict | None:
        """How the bot answered a callback query (answerCallbackQuery's parameters)."""
        return requests.get(f"{self.sim}/sim/callbacks/{query_id}", params={"wait": wait},
                            timeout=wait + 10).json()["answer"]

    def inject(self, update: dict) -> None:
        """Deliver a raw update as given (a duplicate, an odd kind)."""
        requests.post(f"{self.sim}/sim/updates", json={"update": update},
                      timeout=10).raise_for_status()

    def messages(self, chat_id: int, wait: float = 0) -> list[dict]:
        """Messages the bot sent to `chat_id` since the last call (edits of earlier ones,
        such as a spent keyboard taken off, are passed over)."""
        deadline = time.monotonic() + wait
        while True:
            left = max(deadline - time.monotonic(), 0)
            response = requests.get(f"{self.sim}/sim/messages", timeout=left + 10, params={
                "chat_id": chat_id, "after": self.seen.get(chat_id, 0), "wait": left})
            messages = response.json()["messages"]
            if messages:
                self.seen[chat_id] = messages[-1]["seq"]
            sent = [m for m in messages if m["method"].startswith("send")]
            if sent or not messages or left == 0:
                return sent

    def calls(self) -> list[dict]:
        """Every Bot API call the simulator received, with its HTTP status."""
        return requests.get(f"{self.sim}/sim/calls", timeout=10).json()["calls"]

    def ask(self, user_id: int, text: str, timeout: float = 15) -> dict:
        """Send `text` and return the bot's one reply."""
        self.messages(user_id)  # forget anything older
        self.send(user_id, text)
        replies = self.messages(user_id, wait=timeout)
        assert replies, f"no reply to {text!r} within {timeout}s"
        return replies[0]

    def _wait_for(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            for name, process in self.processes.items():
                if process.poll() is not None:
                    log = (self.log_dir / f"{name}.log").read_text()[-3000:]
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout}s")
            time.sleep(0.2)
