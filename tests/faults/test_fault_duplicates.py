"""Fault e: Telegram delivers the same update three times (same update_id): one effect, one reply.

Two processes of each worker run, so the copies can be handled at the same moment; the inbox
recognises them by the command's message id, which derives from the update_id.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from sqlalchemy import func, select

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
from tests.support.system import SERVICES, System

pytestmark = pytest.mark.timing  # against the clock: run alone (Makefile, `make test`)

CHAT = 820_001
COPIES = 3


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = without_flood_limits(System(amqp_url, sqlite_url, tmp_path))
    system.services.update(data_service_2=SERVICES["data_service"],
                           letter_service_2=SERVICES["letter_service"])
    system.start()
    lift_flood_limits(system)
    yield system
    system.stop()


def update(update_id: int, text: str) -> dict:
    """A private message from the resident, as Telegram puts it in an Update."""
    person = {"id": CHAT, "is_bot": False, "first_name": "Warga", "language_code": "id"}
    return {"update_id": update_id, "message": {
        "message_id": update_id % 100_000, "from": person, "date": int(time.time()),
        "chat": {"id": CHAT, "type": "private", "first_name": "Warga"}, "text": text}}


def handled_copies(system: System, update_id: int, worker: str) -> list[int]:
    """Replies published by each handled copy of the command, from both workers' logs."""
    pattern = re.compile(rf"command tg-{update_id} \(\S+\) handled, (\d+) repl")
    found = []
    for name in (worker, f"{worker}_2"):
        found += [int(n) for n in pattern.findall(
            (system.log_dir / f"{name}.log").read_text(errors="replace"))]
    return found


def test_an_update_delivered_three_times(system, sqlite_url):
    nik, no_kk, name = alive_residents(sqlite_url)[0]
    steps = [  # (text, worker, what the one reply says)
        (f"DAFTAR#{nik}#{no_kk}", "data_service", "Pendaftaran berhasil"),
        ("SKD#Kantor Kecamatan Jogoroto#Persyaratan Beasiswa", "letter_service",
         "berhasil diajukan"),
        ("Biodata", "data_service", name),
    ]
    started = time.monotonic()
    figures = []
    # The resident opens the chat first (the simulator, like Telegram, knows chats so started)
    assert "belum terhubung" in system.ask(CHAT, "/start")["text"]
    with BotMessages(system.sim) as bot:
        assert bot.wait_until(lambda: bot.texts(CHAT), timeout=5)  # caught up with /start
        for number, (text, worker, reply) in enumerate(steps, 1):
            update_id = 700_000_000 + number
            before = len(bot.texts(CHAT))
            for _ in range(COPIES):
                system.inject(update(update_id, text))
            # Given all three copies handled by the workers (their logs say so)
            deadline = time.monotonic() + 30
            while len(handled_copies(system, update_id, worker)) < COPIES:
                assert time.monotonic() < deadline, \
                    f"{text!r}: copies handled {handled_copies(system, update_id, worker)}"
                time.sleep(0.1)
            assert bot.wait_until(lambda b=before: len(bot.texts(CHAT)) > b, timeout=20)
            time.sleep(2)  # the notifier's time for a second copy of the reply, if any
            new = bot.texts(CHAT)[before:]
            figures.append(f"{text.split('#')[0]}: {len(new)} repl{'y' if len(new) == 1 else 'ies'}"
                           f" (copies published {handled_copies(system, update_id, worker)})")
            assert len(new) == 1 and reply in new[0], new

    webhook = requests.get(f"{system.sim}/sim/webhook", timeout=10).json()
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        registrations = session.scalar(select(func.count()).select_from(RegistrationAttempt)
                                       .where(RegistrationAttempt.chat_id == CHAT))
        resident_id = session.scalar(select(Resident.id).where(Resident.nik == nik))
        letters = session.scalar(select(func.count()).select_from(LetterRequest)
                                 .where(LetterRequest.resident_id == resident_id))
    engine.dispose()
    print(f"\nfault e: {len(steps)} updates x {COPIES} deliveries ({webhook['delivered'] - 1} "
          f"answered 200 by the gateway); {'; '.join(figures)}; {registrations} registration, "
          f"{letters} letter request in {time.monotonic() - started:.1f} s")
    assert webhook["delivered"] == 1 + len(steps) * COPIES  # the /start, then the copies
    assert registrations == 1 and letters == 1
