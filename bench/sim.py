"""The Telegram simulator as the benchmarks use it: started with or without Telegram's limits,
chats opened for many residents, the Bot API calls it recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import requests

from bench.stack import Stack
from tools.supervisor import ROOT, SIMULATOR, free_port, simulator_argv


@cache
def has_limits() -> bool:
    """Whether this simulator enforces Telegram's rate limits (it then offers --no-limits)."""
    text = subprocess.run([sys.executable, *SIMULATOR.argv, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60).stdout
    return "--no-limits" in text


class Simulator:
    """One simulator process and its control API."""

    def __init__(self, stack: Stack, limits: bool, name: str = "telegram_sim"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = simulator_argv(self.port)
        if not limits and has_limits():
            args.append("--no-limits")
        self.limits = "on" if limits and has_limits() else (
            "off (--no-limits)" if has_limits() else "none: this simulator has no limits yet")
        self.process = stack.start(name, args, dict(os.environ))
        stack.wait_http(self.url + SIMULATOR.health)
        self.session = requests.Session()

    def open_chats(self, chat_ids: list[int]) -> None:
        """Each resident writes once, so the bot may write to them (no webhook: the updates
        stay in the simulator's queue)."""
        local = threading.local()

        def open_chat(chat_id: int) -> None:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            local.session.post(f"{self.url}/sim/updates", timeout=10, json={
                "user": {"id": chat_id, "first_name": "Warga", "language_code": "id"},
                "text": "/start"}).raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(open_chat, chat_ids))

    def calls(self, after: int = 0) -> list[dict]:
        """Bot API calls with seq > after, each with method, chat_id, status and time."""
        calls = self.session.get(f"{self.url}/sim/calls", params={"after": after},
                                 timeout=60).json()["calls"]
        if calls and "time" not in calls[0]:
            raise RuntimeError("this simulator does not time its /sim/calls entries")
        for call in calls:
            chat_id = (call.get("params") or {}).get("chat_id")
            call["chat_id"] = int(chat_id) if chat_id is not None else None
        return calls

    def last_seq(self) -> int:
        """The newest call's seq (0 before any)."""
        calls = self.calls()
        return calls[-1]["seq"] if calls else 0

    def wait_sent(self, after: int, count: int, timeout: float,
                  method: str = "sendMessage") -> list[dict]:
        """Calls after `after` until `count` of them are successful `method` calls, or the
        timeout; all calls seen."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls(after)
            sent = sum(1 for c in calls if c["method"] == method and c["status"] == 200)
            if sent >= count or time.monotonic() > deadline:
                return calls
            time.sleep(0.5)
