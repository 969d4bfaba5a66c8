"""The process runtime: settings and logging at start, the database only when asked (and disposed
at the end), SIGTERM/SIGINT stopping the loop, the metrics server while it runs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from libs import runtime
from tests.support.rabbit import free_port

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def restored():
    """The root logger and the signal handlers, put back after the test."""
    handlers = {signum: signal.getsignal(signum) for signum in runtime.STOP_SIGNALS}
    root = logging.getLogger()
    before = root.handlers[:], root.level
    yield
    root.handlers[:], level = before
    root.setLevel(level)
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def test_a_process_starts_with_its_settings_and_logs_as_its_name(monkeypatch, capsys,
                                                                 restored):
    monkeypatch.setenv("METRICS_PORT", "0")
    monkeypatch.setenv("LOG_FORMAT", "json")
    with runtime.started("letter_watcher") as process:
        logging.getLogger("t").warning("hello")
    assert process.settings.log_format == "json"
    logged = capsys.readouterr().err
    assert '"service": "letter_watcher"' in logged and '"message": "hello"' in logged


def test_sigterm_stops_the_loop_and_health_is_served_meanwhile(monkeypatch, restored):
    port = free_port()
    monkeypatch.setenv("METRICS_PORT", str(port))
    stopping = threading.Event()
    seen = []

    def loop():
        seen.append(requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).text)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stopping.wait(5)

    with runtime.started("notifier") as process:
        process.run(loop, stop=lambda *_: stopping.set(), health=lambda: (True, "fine"))
    assert seen == ["fine\n"]
    with pytest.raises(requests.ConnectionError):  # the port is free again
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)


def test_what_the_process_opened_is_closed_last_first_even_when_it_fails(monkeypatch, restored):
    monkeypatch.setenv("METRICS_PORT", "0")
    closed = []

    class Thing:
        def __init__(self, name):
            self.name = name

        def close(self):
            closed.append(self.name)

    with pytest.raises(SystemExit), runtime.started("gateway") as process:
        assert process.closing(Thing("first")).name == "first"
        process.closing(Thing("second"))
        raise SystemExit("cannot go on")
    assert closed == ["second", "first"]


def test_the_database_is_opened_when_asked_and_disposed_at_the_end(monkeypatch, restored,
                                                                  sqlite_url):
    monkeypatch.setenv("METRICS_PORT", "0")
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with runtime.started("data_service") as process:
        database = process.database()
        assert process.database() is database  # one engine for the whole process
        assert database.engine.pool.checkedin() == 1  # the connection that found the village
    assert database.engine.pool.checkedin() == 0


def test_starting_without_the_database_loads_neither_sqlalchemy_nor_the_models():
    code = ("import sys\n"
            "from libs import runtime\n"
            "with runtime.started('gateway') as process:\n"
            "    pass\n"
            "print(sorted(m for m in sys.modules\n"
            "             if m.split('.')[0] == 'sqlalchemy' or m.startswith('libs.siades')))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), METRICS_PORT="0")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
