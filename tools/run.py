"""`make run`: the whole system on one machine, on the embedded defaults.

A private RabbitMQ node and a SQLite database under `.run/`, the Telegram simulator, the gateway,
the workers and the notifier, each a child process whose output is shown prefixed with its name
and kept in `.run/logs/`. Ctrl-C (or SIGTERM) stops every child, the broker last.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tools.rabbitmq_node import RabbitNode, stop_idle_epmd

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / ".run"
SIM_PORT = 8080
GATEWAY_PORT = 8000
TOKEN = "123456:SIM-TOKEN"

CHILDREN = {
    "telegram_sim": ["-m", "tools.telegram_sim", "--port", str(SIM_PORT), "--token", TOKEN],
    "gateway": ["-m", "services.gateway"],
    "data_service": ["-m", "services.data_service"],
    "letter_service": ["-m", "services.letter_service"],
    "notifier": ["-m", "services.notifier"],
}


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port`."""
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def pump(name: str, stream, log_path: Path) -> None:
    """Copy a child's output to the terminal, prefixed, and to its log file."""
    with open(log_path, "ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()
            sys.stdout.write(f"{name:>14} | {line.decode(errors='replace')}")
            sys.stdout.flush()


def main() -> None:
    for port in (5672, 15672, SIM_PORT, GATEWAY_PORT):
        if not port_free(port):
            sys.exit(f"Port {port} is in use: stop whatever listens there, then `make run`.")
    (RUN / "logs").mkdir(parents=True, exist_ok=True)
    db_path = RUN / "siades.db"
    secret = secrets.token_urlsafe(24)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}",
               RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672/%2F",
               TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{SIM_PORT}",
               TELEGRAM_WEBHOOK_SECRET=secret, GATEWAY_BIND=f"127.0.0.1:{GATEWAY_PORT}",
               PYTHONUNBUFFERED="1")

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    print("starting RabbitMQ ...", flush=True)
    node = RabbitNode(RUN / "rabbitmq", 5672, 15672, name="siades")
    try:
        node.start()
    except RuntimeError as exc:
        sys.exit(str(exc))
    children: dict[str, subprocess.Popen] = {}
    try:
        prepare_database(env["DATABASE_URL"])
        for name, args in CHILDREN.items():
            child = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
            children[name] = child
            threading.Thread(target=pump, args=(name, child.stdout, RUN / "logs" / f"{name}.log"),
                             daemon=True).start()
        set_webhook(secret)
        print_banner()
        while not stopping.is_set():
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; stopping everything.")
                    stopping.set()
            stopping.wait(0.5)
    finally:
        print("stopping ...", flush=True)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        node.stop()
        stop_idle_epmd()
        print("stopped.")


def prepare_database(url: str) -> None:
    """Create what is missing; seed the demo village unless residents are already there."""
    from libs.siades.cli import init_db, seed_demo
    from libs.siades.db import make_engine
    from libs.siades.demo import NotEmptyError

    engine = make_engine(url)
    try:
        init_db(engine)
        try:
            summary = seed_demo(engine)  # one transaction: an interrupted seed leaves nothing
            print(f"seeded the demo village: {summary.residents} residents", flush=True)
        except NotEmptyError:
            pass  # a second `make run` keeps its data
    finally:
        engine.dispose()


def set_webhook(secret: str) -> None:
    """Point the simulator's webhook at the gateway, once both answer."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{GATEWAY_PORT}/healthz", timeout=2)
            requests.post(f"http://127.0.0.1:{SIM_PORT}/bot{TOKEN}/setWebhook", timeout=5, json={
                "url": f"http://127.0.0.1:{GATEWAY_PORT}/telegram/webhook",
                "secret_token": secret}).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError("the gateway or the simulator did not come up within 30 s")


def print_banner() -> None:
    from libs.siades.demo import DEMO_RESIDENTS

    lines = [
        "",
        "Layanan Desa is running.",
        f"  Telegram simulator:   http://127.0.0.1:{SIM_PORT}/sim/webhook  (the fake Bot API)",
        "  RabbitMQ console:     http://127.0.0.1:15672/  (guest / guest)",
        f"  Webhook gateway:      http://127.0.0.1:{GATEWAY_PORT}/healthz",
        "  Demo residents (type DAFTAR#NIK#No KK in the chat):",
    ]
    for role, (nik, no_kk, name) in list(DEMO_RESIDENTS.items())[:3]:
        lines.append(f"    {name:<24} DAFTAR#{nik}#{no_kk}   ({role})")
    nik, no_kk, _ = DEMO_RESIDENTS["head"]
    lines += [
        "  Talk to the bot as resident 1001, then read its replies:",
        f"    curl -s localhost:{SIM_PORT}/sim/updates -H 'content-type: application/json' \\",
        f"      -d '{{\"user\": {{\"id\": 1001, \"first_name\": \"Budi\"}}, "
        f"\"text\": \"DAFTAR#{nik}#{no_kk}\"}}'",
        f"    curl -s 'localhost:{SIM_PORT}/sim/messages?chat_id=1001&wait=5'",
        "Press Ctrl-C to stop everything.\n",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
