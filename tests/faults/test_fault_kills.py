"""Fault a: kill -9 each worker, the status watcher and the notifier in turn while 500
residents' requests flow; every request is answered, nothing is done twice.

Half the requests are registrations of distinct living residents (`DAFTAR#NIK#KK`); once a
resident's registration is answered they ask for a letter (`SKD#...`) or their biodata. Midway
the registry marks the letter requests filed so far as checked (status 2, as OpenSID's admin
would), so the status watcher has messages to send when it is killed. Each killed process is
started again a second later (docker's restart policy).
"""

from __future__ import annotations

import time
from collections import Counter

import pika
import pytest
import requests
from sqlalchemy import func, select, text

from libs import topology
from libs.messaging import connection_parameters
from libs.siades.bot_models import RegistrationAttempt
from libs.siades.db import make_engine, make_session_factory
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from tests.support.faults import (
    BotMessages,
    alive_residents,
    lift_flood_limits,
    without_flood_limits,
)
from tests.support.system import System

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

RESIDENTS = 250  # each registers, then makes one more request: 500 in all
FIRST_CHAT = 810_001
# Registrations in bursts of 25 a second; a worker is killed while its queue holds a backlog,
# so the kill falls in the middle of a message (before or after its commit).
BURST, BURST_EVERY = 25, 1.0
BACKLOG = 5
RESTART_AFTER = 1.0
REGISTERED = "Pendaftaran berhasil"
FILED = "berhasil diajukan"
CHECKED = "Menunggu Tandatangan"
LETTER = "SKD#Kantor Kecamatan Jogoroto#Persyaratan Beasiswa"


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = without_flood_limits(System(amqp_url, sqlite_url, tmp_path)).start()
    lift_flood_limits(system)
    yield system
    system.stop()


class Crowd:
    """250 residents: each registers, and once answered asks one more thing."""

    def __init__(self, system: System, residents: list[tuple[str, str, str]]):
        self.system = system
        self.chats = {FIRST_CHAT + i: resident for i, resident in enumerate(residents)}
        self.wants_letter = {chat: i % 2 == 0 for i, chat in enumerate(self.chats)}
        self.registered: list[int] = []
        self.followed: set[int] = set()
        self.sent = 0

    def register_burst(self) -> bool:
        """Send the next BURST registrations; False once all are sent."""
        if len(self.registered) == len(self.chats):
            return False
        for chat in range(FIRST_CHAT + len(self.registered),
                          min(FIRST_CHAT + len(self.registered) + BURST,
                              FIRST_CHAT + len(self.chats))):
            nik, no_kk, _ = self.chats[chat]
            self._send(chat, f"DAFTAR#{nik}#{no_kk}")
            self.registered.append(chat)
        return True

    def follow_up(self, bot: BotMessages) -> None:
        """Each resident whose registration was answered asks for a letter or their biodata."""
        for chat in self.registered:
            if chat not in self.followed and bot.by_chat.get(chat):
                self._send(chat, LETTER if self.wants_letter[chat] else "Biodata")
                self.followed.add(chat)

    def _send(self, chat: int, message: str) -> None:
        self.system.send(chat, message)
        self.sent += 1


def answered(bot: BotMessages, chat: int, needle: str) -> int:
    return sum(needle in t for t in bot.texts(chat))


def test_kill_each_process_midstream(system, sqlite_url):
    residents = alive_residents(sqlite_url)[:RESIDENTS]
    assert len(residents) == RESIDENTS
    crowd = Crowd(system, residents)
    engine = make_engine(sqlite_url)
    letters = [c for c in crowd.chats if crowd.wants_letter[c]]
    checked: set[int] = set()  # chats whose request the registry marked checked

    def registrations(bot):
        return sum(answered(bot, c, REGISTERED) > 0 for c in crowd.registered)

    def filed(bot):
        return sum(answered(bot, c, FILED) > 0 for c in letters)

    def watcher_saw_some():
        with engine.connect() as conn:
            return conn.scalar(text("SELECT COUNT(*) FROM bot_letter_status WHERE status = 1"))

    def mark_checked(_bot):
        # The requests the watcher has seen (status 1) become checked, as OpenSID's admin does.
        with engine.begin() as conn:
            rows = conn.execute(text(
                "SELECT p.id, r.telegram FROM permohonan_surat p "
                "JOIN bot_letter_status s ON s.request_id = p.id AND s.status = 1 "
                "JOIN tweb_penduduk r ON r.id = p.id_pemohon")).all()
            conn.execute(text("UPDATE permohonan_surat SET status = 2 WHERE id IN "
                              "(SELECT request_id FROM bot_letter_status WHERE status = 1)"))
        checked.update(int(telegram) for _, telegram in rows)

    broker = pika.BlockingConnection(connection_parameters(system.env["RABBITMQ_URL"]))
    channel = broker.channel()

    def backlog(queue):
        return channel.queue_declare(queue, passive=True).method.message_count >= BACKLOG

    # (when, what): each trigger fires once, in order
    plan = [
        (lambda bot: registrations(bot) >= 40 and backlog(topology.DATA_QUEUE)
         or registrations(bot) >= 120, "kill", "data_service"),
        (lambda bot: filed(bot) >= 20 and backlog(topology.LETTER_QUEUE) or filed(bot) >= 60,
         "kill", "letter_service"),
        (lambda bot: filed(bot) >= 45 and watcher_saw_some(), "call", mark_checked),
        (lambda bot: bool(checked) and filed(bot) >= 50, "kill", "letter_watcher"),
        (lambda bot: bot.count >= 220, "kill", "notifier"),
    ]
    killed: dict[str, float] = {}  # name -> wall-clock time of the kill
    restarted: dict[str, float] = {}
    restarts: list[tuple[float, str]] = []
    started = time.monotonic()
    with BotMessages(system.sim) as bot:
        next_send = started
        while crowd.sent < 2 * RESIDENTS:
            now = time.monotonic()
            assert now - started < 60, f"only {crowd.sent} requests sent after 60 s"
            if now >= next_send and crowd.register_burst():
                next_send += BURST_EVERY
            crowd.follow_up(bot)
            while plan and plan[0][0](bot):
                _, action, target = plan.pop(0)
                if action == "call":
                    target(bot)
                else:
                    assert system.kill(target) == -9
                    killed[target] = time.time()
                    restarts.append((now + RESTART_AFTER, target))
            for due, name in [r for r in restarts if r[0] <= now]:
                system.restart(name)
                restarted[name] = time.time()
                restarts.remove((due, name))
            time.sleep(0.01)
        for _, name in restarts:
            system.restart(name)
            restarted[name] = time.time()
        broker.close()
        assert not plan, f"{len(plan)} faults never happened: the stream ended too soon"

        def expected(chat):
            second = FILED if crowd.wants_letter[chat] else "Tempat/Tgl Lahir"
            wanted = [REGISTERED, second] + ([CHECKED] if chat in checked else [])
            return all(answered(bot, chat, needle) for needle in wanted)

        bot.wait_until(lambda: all(expected(c) for c in crowd.chats), timeout=60)
        elapsed = time.monotonic() - started
        time.sleep(2)  # a late duplicate still has time to show
        texts = {chat: bot.texts(chat) for chat in crowd.chats}
        sent = [m for chat in crowd.chats for m in bot.messages(chat)]

    unanswered = [c for c in crowd.chats if not expected(c)]
    # A repeat is the notifier's one window: sent before its kill, unrecorded, sent again after
    copies: dict[tuple[int, str], list[float]] = {}
    for message in sent:
        copies.setdefault((message["chat_id"], message.get("text")), []).append(message["time"])
    repeats = [times for times in copies.values() if len(times) > 1]
    repeated = sum(len(times) - 1 for times in repeats)
    refused = [t for ts in texts.values() for t in ts
               if not any(n in t for n in (REGISTERED, FILED, CHECKED, "Tempat/Tgl Lahir"))]
    with make_session_factory(engine)() as session:
        links = Counter(session.scalars(
            select(RegistrationAttempt.chat_id).where(RegistrationAttempt.success)))
        linked = dict(session.execute(
            select(Resident.nik, Resident.telegram).where(Resident.telegram.is_not(None))).all())
        per_resident = Counter(session.scalars(select(LetterRequest.resident_id)))
        requests_filed = session.scalar(select(func.count()).select_from(LetterRequest))
    engine.dispose()
    redone = {name: _log_count(system, name, "already handled")
              for name in ("data_service", "letter_service")}
    webhook = requests.get(f"{system.sim}/sim/webhook", timeout=10).json()
    print(f"\nfault a: {crowd.sent} requests ({RESIDENTS} registrations, {len(letters)} letter "
          f"requests, {RESIDENTS - len(letters)} biodata) + {len(checked)} status changes; "
          f"killed {', '.join(killed)}; {RESIDENTS - len(unanswered)}/{RESIDENTS} residents "
          f"fully answered, {sum(len(t) for t in texts.values())} bot messages, "
          f"{repeated} duplicate replies, "
          f"{sum(n - 1 for n in links.values())} duplicate registrations, "
          f"{sum(n - 1 for n in per_resident.values())} duplicate letter requests, "
          f"redeliveries recognised: {redone}, webhook {webhook['delivered']} delivered "
          f"in {webhook['attempts']} attempts, in {elapsed:.1f} s")

    assert all(len(times) == 2 and times[0] <= killed["notifier"]
               and times[1] >= restarted["notifier"] for times in repeats), repeats
    assert not unanswered, f"{len(unanswered)} residents not fully answered, e.g. " \
        f"{[(c, texts[c]) for c in unanswered[:3]]}"
    assert not refused, f"unexpected replies: {refused[:3]}"
    assert set(links) == set(crowd.chats) and set(links.values()) == {1}
    assert {nik: int(chat) for nik, chat in linked.items()} == {
        nik: chat for chat, (nik, _, _) in crowd.chats.items()}
    assert requests_filed == len(letters) and set(per_resident.values()) == {1}
    for chat in crowd.chats:  # a reply of each kind, and a repeat only word for word
        kinds = [n for n in (REGISTERED, FILED, CHECKED, "Tempat/Tgl Lahir")
                 if answered(bot, chat, n)]
        assert len(set(texts[chat])) == len(kinds), texts[chat]


def _log_count(system: System, name: str, needle: str) -> int:
    return (system.log_dir / f"{name}.log").read_text(errors="replace").count(needle)
