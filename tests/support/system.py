"""The whole system as real processes: telegram_sim, the gateway under gunicorn, the workers,
the status watcher, the notifier (and on request the staff console). Used by the end-to-end
tests; every process is stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from libs.letter_tokens import generate_keypair
from tools.supervisor import ROOT, SIMULATOR, Supervisor, free_port, service_env, simulator_argv
from tools.supervisor import SERVICES as TABLE
from tools.supervisor import SIM_TOKEN as TOKEN

__all__ = ["CONSOLE", "ROOT", "SECRET", "SERVICES", "TOKEN", "System"]

SECRET = "e2e-webhook-secret"

# What start() runs (the staff console only on start_console()), by name: python <args>.
SERVICES = {name: list(service.argv) for name, service in TABLE.items()
            if name != "staff_console"}
CONSOLE = list(TABLE["staff_console"].argv)
GRACE = 20  # seconds a process gets to stop before it is killed


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
        self.env = service_env(
            os.environ, rabbitmq_url=amqp_url, database_url=database_url,
            telegram_api_url=self.sim, bot_token=TOKEN, webhook_secret=SECRET,
            gateway_port=self.gateway_port, console_port=self.console_port,
            console_secret_key="e2e-console-session-key", signing_key_file=signing_key,
            verify_key=verify_key, verify_base_url=self.gateway)
        self.env["RETRY_DELAY_MS"] = "300"
        # In the test's own session: a kill is the process's alone.
        self.children = Supervisor(log_dir, GRACE, own_session=False)
        self.processes: dict[str, subprocess.Popen] = self.children.processes
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
        process = self.children.start(name, args, env)
        self.commands[name] = args
        return process

    def start(self) -> System:
        """Everything up, the webhook set, the gateway healthy."""
        self.start_process(SIMULATOR.name, simulator_argv(self.sim_port, *self.sim_args))
        for name in self.services:
            self.start_process(name)
        self._wait_for(self.sim + SIMULATOR.health)
        self._wait_for(self.gateway + TABLE["gateway"].health)
        self.bot("setWebhook", url=f"{self.gateway}/telegram/webhook", secret_token=SECRET)
        return self

    def start_console(self) -> None:
        """The staff console, once it answers."""
        self.start_process("staff_console", CONSOLE)
        self._wait_for(self.console + TABLE["staff_console"].health)

    def stop_process(self, name: str, sig=signal.SIGTERM, timeout: float = GRACE) -> int | None:
        """Stop one process and return its exit code (None if it is not running here)."""
        return self.children.stop(name, sig, timeout)

    def kill(self, name: str, sig=signal.SIGKILL) -> int | None:
        """Kill one process outright (kill -9 by default); returns its exit code."""
        return self.stop_process(name, sig)

    def restart(self, name: str) -> subprocess.Popen:
        """Start a stopped or killed process again, as a restart policy would."""
        if name in self.processes and self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        return self.start_process(name)

    def stop(self) -> None:
        """Stop every process, the simulator last."""
        self.children.stop_all(keep=[SIMULATOR.name])  # all told at once: each takes a second
        self.stop_process(SIMULATOR.name)

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
        """Wait until `url` answers 200; fail at once if a process has exited."""
        self.children.wait_http(url, timeout)
