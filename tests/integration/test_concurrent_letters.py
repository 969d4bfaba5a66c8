"""Four letter_service processes receive simultaneous requests from one resident: never two in
process, on SQLite and on MariaDB."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import event, func, select

from libs import topology
from libs.contracts import Command
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import letter_form
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from services.letter_service import letter_requests
from tests.support.racing import race

NIK, _, _ = DEMO_RESIDENTS["head"]
NOW = datetime(2026, 11, 28, 6, 0, 0)
CHAT = 7301
WORKERS = 4
REQUESTS = [("SKD", "Kantor Kecamatan", "Persyaratan Beasiswa"),
            ("SKCK", "Polsek Jogoroto", "Melamar Pekerjaan"),
            ("SKUM", "Tidak memiliki kendaraan", "Sekolah", "Persyaratan Beasiswa"),
            ("SKU", "Warung Kopi", "Bank BRI", "Pinjaman Modal")] * 3


def link_resident(database_url: str) -> None:
    factory = make_session_factory(make_engine(database_url))
    with factory.begin() as session:
        resident = session.scalar(select(Resident).where(Resident.nik == NIK))
        resident.telegram = str(CHAT)


def request(update_id: int, args: tuple[str, ...]) -> Command:
    return Command(message_id=f"tg-{update_id}", update_id=update_id, service="letter",
                   action="request", chat_id=CHAT, user_id=CHAT, args=args)


def test_simultaneous_requests_from_one_resident_file_one(broker, amqp_url, database_url):
    link_resident(database_url)
    commands = [request(update_id, args) for update_id, args in enumerate(REQUESTS, 1000)]
    replies = race(broker, amqp_url, database_url, service="services.letter_service",
                   queue=topology.LETTER_QUEUE, commands=commands, workers=WORKERS,
                   expect=len(REQUESTS))

    assert len(replies) == len(REQUESTS)
    accepted = [r for r in replies if "berhasil diajukan" in r.text]
    refused = [r for r in replies if "masih memiliki permohonan" in r.text]
    print(f"{len(accepted)} accepted, {len(refused)} refused by {WORKERS} workers")
    assert len(accepted) == 1 and len(refused) == len(REQUESTS) - 1
    factory = make_session_factory(make_engine(database_url))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(LetterRequest)) == 1


def test_a_second_submission_waits_for_the_first_to_commit(database_url):
    """Forces the race: the first submission pauses between its pending check and its insert."""
    first_engine, second_engine = make_engine(database_url), make_engine(database_url)
    checking = threading.Event()

    @event.listens_for(first_engine, "after_cursor_execute")
    def pause_after_the_check(connection, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "permohonan_surat" in statement:
            checking.set()
            time.sleep(1.0)  # the second submission runs now

    outcomes = {}

    def submit(name: str, engine, kind: str) -> None:
        with make_session_factory(engine).begin() as session:
            resident = session.scalar(select(Resident).where(Resident.nik == NIK))
            form = letter_form(session, KINDS[kind])
            outcomes[name] = letter_requests.submit(
                session, resident, form, {"tujuan": "Kantor", "kegunaan": "Syarat"}, NOW, NOW)

    first = threading.Thread(target=submit, args=("first", first_engine, "SKD"))
    first.start()
    assert checking.wait(10)
    submit("second", second_engine, "SKCK")
    first.join(10)

    assert isinstance(outcomes["first"], LetterRequest)
    assert isinstance(outcomes["second"], letter_requests.Pending)
    assert outcomes["second"].request.id == outcomes["first"].id
    with make_session_factory(second_engine)() as session:
        assert session.scalar(select(func.count()).select_from(LetterRequest)) == 1
