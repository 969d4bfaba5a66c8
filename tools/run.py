"""`make run`: the whole system on one machine, on the embedded defaults.

A private RabbitMQ node and a SQLite database under `.run/` (seeded with the demo village the
first time), the gateway, the workers and the notifier, each a child process whose output is
shown prefixed with its name and kept in `.run/logs/<name>.log`. Ctrl-C (or SIGTERM) stops
every child, the broker last; the next `make run` keeps the data (`make clean` forgets it).

Where Telegram is:
    TELEGRAM_BOT_TOKEN unset      the simulator on :8080 with its chat page; webhook delivery
    TELEGRAM_BOT_TOKEN set        the real Bot API through long polling (no public address)
      ... and PUBLIC_URL set      the real Bot API through a webhook at PUBLIC_URL, which must
                                  reach the gateway on 127.0.0.1:8000 (a reverse proxy's job)
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from libs import letter_tokens
from libs.errors import ServiceError
from libs.siades.bot_models import STAFF_HEAD, STAFF_OPERATOR
from libs.siades.cli import create_staff, init_db, seed_demo
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS, PROGRAM_PERIOD, NotEmptyError
from libs.siades.village import village_name as stored_village_name
from libs.telegram import TelegramClient, Unauthorized
from services.gateway import bot_setup
from tools.rabbitmq_node import RABBIT_BIN, RabbitNode
from tools.supervisor import ROOT, SERVICES, SIM_TOKEN, Supervisor, service_env, simulator_argv

STOP_TIMEOUT = 10  # seconds a child gets to finish after SIGTERM before it is killed


class Prerequisite(Exception):
    """Something outside the project is missing; the message says what to do."""


@dataclass(frozen=True)
class Layout:
    """Where everything lives and listens."""

    run_dir: Path
    amqp_port: int = 5672
    console_port: int = 15672
    dist_port: int = 25672  # RabbitMQ's inter-node port, loopback only
    sim_port: int = 8080
    gateway_port: int = 8000
    staff_port: int = 8090  # the staff console

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.run_dir / 'siades.db'}"

    @property
    def logs(self) -> Path:
        return self.run_dir / "logs"


@dataclass(frozen=True)
class TelegramSide:
    """Which Telegram the system talks to, and how updates come in."""

    mode: str  # "simulator", "polling" or "webhook"
    api_url: str
    token: str
    public_url: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str], layout: Layout) -> TelegramSide:
        token = env.get("TELEGRAM_BOT_TOKEN", "")
        if not token:
            return cls("simulator", f"http://127.0.0.1:{layout.sim_port}", SIM_TOKEN)
        api_url = env.get("TELEGRAM_API_URL") or "https://api.telegram.org"
        public_url = env.get("PUBLIC_URL", "")
        return cls("webhook" if public_url else "polling", api_url, token, public_url)


def check_ports(layout: Layout, telegram: TelegramSide) -> None:
    """Every port we listen on must be free: say which is not, and what to do."""
    wanted = {layout.amqp_port: "--amqp-port", layout.console_port: "--console-port",
              layout.dist_port: "--dist-port", layout.gateway_port: "--gateway-port",
              layout.staff_port: "--staff-port"}
    if telegram.mode == "simulator":
        wanted[layout.sim_port] = "--sim-port"
    for port, option in wanted.items():
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                hint = " (a RabbitMQ service? `sudo systemctl stop rabbitmq-server`)" if (
                    port in (layout.amqp_port, layout.dist_port)) else ""
                raise Prerequisite(
                    f"Port {port} is in use{hint}: stop what listens there, or run "
                    f"`.venv/bin/python -m tools.run {option} <another port>`.")


def ensure_rabbitmq() -> None:
    """Install Debian's rabbitmq-server when missing; we run our own node, not the service."""
    if (RABBIT_BIN / "rabbitmq-server").exists():
        return
    if subprocess.run([str(ROOT / "tools" / "apt-install"), "rabbitmq-server"]).returncode:
        raise Prerequisite("RabbitMQ could not be installed: see the message above.")
    # On a machine with systemd the package starts a system-wide broker on 5672: ours replaces it.
    if Path("/run/systemd/system").exists() and shutil.which("systemctl"):
        as_root = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*as_root, "systemctl", "disable", "--now", "rabbitmq-server"],
                       capture_output=True)


def check_token(telegram: TelegramSide) -> str:
    """The bot's @username, once the real Bot API has accepted the token."""
    try:
        return TelegramClient(telegram.api_url, telegram.token).get_me()["username"]
    except Unauthorized:
        raise Prerequisite("Telegram does not accept TELEGRAM_BOT_TOKEN: copy it again from "
                           "@BotFather (/mybots, API Token).") from None
    except ServiceError as exc:
        raise Prerequisite(
            f"Cannot reach the Bot API at {telegram.api_url} ({exc}): check the network, or "
            "unset TELEGRAM_BOT_TOKEN to use the simulator.") from None


def prepare_database(url: str) -> bool:
    """Create what is missing; seed the demo village into an empty database. True if seeded."""
    engine = make_engine(url)
    try:
        init_db(engine)
        try:
            seed_demo(engine)  # one transaction: an interrupted seed leaves nothing behind
            return True
        except NotEmptyError:
            return False  # a second `make run` keeps its data
    finally:
        engine.dispose()


DEMO_STAFF = [("operator", "Siti Nurhaliza", STAFF_OPERATOR),
              ("kades", "H. Moch. Sholeh, S.Sos.", STAFF_HEAD)]


def demo_staff_logins(layout: Layout) -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo staff, made with random passwords on first run
    and kept in `.run/staff-logins.txt` (mode 0600) for the banner."""
    saved = layout.run_dir / "staff-logins.txt"
    if saved.exists():
        return [tuple(line.split("\t")) for line in saved.read_text().splitlines() if line]
    engine = make_engine(layout.database_url)
    try:
        logins = []
        for username, full_name, role in DEMO_STAFF:
            password = secrets.token_urlsafe(9)
            create_staff(engine, username, full_name, role, password)
            logins.append((username, password, role))
    finally:
        engine.dispose()
    fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write("".join(f"{u}\t{p}\t{r}\n" for u, p, r in logins))
    return logins


def letter_keys(layout: Layout) -> tuple[Path, str]:
    """The letter-signing key under `.run/keys/` (made once) and its public half."""
    path = layout.run_dir / "keys" / letter_tokens.KEY_FILE_NAME
    if not path.exists():
        return letter_tokens.generate_keypair(path.parent)
    return path, letter_tokens.public_key_text(letter_tokens.load_private_key(path).public_key())


def village_name(url: str) -> str:
    """`Desa <name>` from the database's config row."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return f"Desa {stored_village_name(session) or ''}".strip()
    finally:
        engine.dispose()


def child_commands(telegram: TelegramSide, layout: Layout) -> dict[str, list[str]]:
    """The processes to start, by name, in order: the table's, the gateway in its mode."""
    commands = {}
    if telegram.mode == "simulator":
        commands["telegram_sim"] = simulator_argv(layout.sim_port)
    commands.update((name, list(service.argv)) for name, service in SERVICES.items())
    commands["gateway"].append("poll" if telegram.mode == "polling" else "webhook")
    return commands


def connect_telegram(telegram: TelegramSide, layout: Layout, secret: str, village: str) -> None:
    """Set the bot's profile, and its webhook unless it polls, once the gateway answers."""
    client = TelegramClient(telegram.api_url, telegram.token)
    gateway = f"http://127.0.0.1:{layout.gateway_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if telegram.mode != "polling":
                requests.get(gateway + SERVICES["gateway"].health, timeout=2)
            bot_setup.configure_profile(client, village)
            break
        except (requests.RequestException, ServiceError):
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway or the Bot API did not answer within 30 s; "
                                   f"see {layout.logs}") from None
            time.sleep(0.3)
    if telegram.mode == "simulator":
        bot_setup.set_webhook(client, gateway, secret)
    elif telegram.mode == "webhook":
        bot_setup.set_webhook(client, telegram.public_url, secret)


def banner(telegram: TelegramSide, layout: Layout, village: str, bot: str, seeded: bool,
           logins: list[tuple[str, str, str]]) -> str:
    """What to open and what to type."""
    where = {
        "simulator": f"http://127.0.0.1:{layout.sim_port}/   (the Telegram simulator's chat "
                     "page; one tab per resident)",
        "polling": f"Telegram: write to @{bot}   (long polling, no public address needed)",
        "webhook": f"Telegram: write to @{bot}   (webhook at {telegram.public_url}, which must "
                   f"reach 127.0.0.1:{layout.gateway_port})",
    }[telegram.mode]
    data = "seeded just now" if seeded else "kept from the last run"
    lines = [
        "",
        f"Layanan Desa is running for {village} ({data}: {layout.database_url}).",
        f"  Chat with the bot:  {where}",
        f"  RabbitMQ console:   http://127.0.0.1:{layout.console_port}/   user guest, "
        "password guest",
        f"  Staff console:      http://127.0.0.1:{layout.staff_port}/   "
        + ", ".join(f"{user} / {password} ({role})" for user, password, role in logins),
        f"  Gateway health:     http://127.0.0.1:{layout.gateway_port}/healthz",
        f"  Logs:               {layout.logs}/",
        "  Demo residents: link an account by typing one of these lines, then tap Biodata:",
    ]
    period = PROGRAM_PERIOD[1].year  # the demo's programs ran through one year: now ended
    for key, programs in (("head", f"PKH, BPNT in {period}"),
                          ("kis_member", f"PKH, BPNT, KIS in {period}"),
                          ("no_program", "no assistance")):
        nik, no_kk, name = DEMO_RESIDENTS[key]
        lines.append(f"    DAFTAR#{nik}#{no_kk}   {name} ({programs})")
    nik, no_kk, name = DEMO_RESIDENTS["dead"]
    lines += [f"    DAFTAR#{nik}#{no_kk}   {name} (deceased: refused)",
              "  Then Surat for a letter, Aduan for a complaint (with a photo and a location "
              "from the chat page's 📎).",
              "  Staff alerts in Telegram: in the staff console open Akun Saya, Hubungkan "
              "Telegram, and send the code as STAF <kode> from another chat-page resident.",
              "Ctrl-C stops everything; the data stays in .run/ (`make clean` removes it).", ""]
    return "\n".join(lines)


def run(layout: Layout, env: dict[str, str]) -> None:
    """Bring everything up, then wait for Ctrl-C, SIGTERM, or a child that dies."""
    telegram = TelegramSide.from_env(env, layout)
    check_ports(layout, telegram)
    bot = check_token(telegram) if telegram.mode != "simulator" else "desa_sim_bot"
    ensure_rabbitmq()
    layout.logs.mkdir(parents=True, exist_ok=True)
    secret = env.get("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
    signing_key, verify_key = letter_keys(layout)
    gateway_url = f"http://127.0.0.1:{layout.gateway_port}"
    child_env = service_env(
        env, rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{layout.amqp_port}/%2F",
        database_url=layout.database_url, telegram_api_url=telegram.api_url,
        bot_token=telegram.token, webhook_secret=secret, gateway_port=layout.gateway_port,
        console_port=layout.staff_port, console_secret_key=secrets.token_urlsafe(32),
        signing_key_file=signing_key, verify_key=verify_key,
        verify_base_url=env.get("VERIFY_BASE_URL") or telegram.public_url or gateway_url)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    supervisor = Supervisor(layout.logs, STOP_TIMEOUT, echo=True)
    node = RabbitNode(layout.run_dir / "rabbitmq", layout.amqp_port, layout.console_port,
                      layout.dist_port, name="siades")
    print("starting RabbitMQ ...", flush=True)
    try:
        node.start(output=subprocess.PIPE)
    except RuntimeError as exc:
        raise Prerequisite(str(exc)) from None
    supervisor.watch("rabbitmq", node.process)
    try:
        seeded = prepare_database(layout.database_url)
        village = village_name(layout.database_url)
        logins = demo_staff_logins(layout)
        for name, args in child_commands(telegram, layout).items():
            supervisor.start(name, args, child_env)
        connect_telegram(telegram, layout, secret, village)
        print(banner(telegram, layout, village, bot, seeded, logins), flush=True)
        while not stopping.is_set():
            if (name := supervisor.exited()) is not None:
                print(f"{name} exited with {supervisor.processes[name].returncode}; "
                      f"stopping everything (see {layout.logs / name}.log).", flush=True)
                break
            stopping.wait(0.5)
    finally:
        print("stopping ...", flush=True)
        preparing = threading.Thread(target=node.prepare_stop)  # while the services stop
        preparing.start()
        supervisor.stop_all(keep=["rabbitmq"])  # the broker goes last, once nothing uses it
        preparing.join()
        node.stop()
        print("stopped.", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Layout(ROOT / ".run")
    parser.add_argument("--dir", type=Path, default=defaults.run_dir,
                        help="data, logs and broker state (default .run/)")
    for option in ("amqp_port", "console_port", "dist_port", "sim_port", "gateway_port",
                   "staff_port"):
        parser.add_argument(f"--{option.replace('_', '-')}", type=int,
                            default=getattr(defaults, option))
    args = parser.parse_args(argv)
    layout = Layout(args.dir.resolve(), args.amqp_port, args.console_port, args.dist_port,
                    args.sim_port, args.gateway_port, args.staff_port)
    try:
        run(layout, dict(os.environ))
    except Prerequisite as exc:
        sys.exit(str(exc))


if __name__ == "__main__":
    main()
