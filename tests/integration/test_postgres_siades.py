"""init-db, seed-demo and the data service on a real PostgreSQL server, with the demo village.

The query functions run on PostgreSQL too, in test_siades_queries.py (parametrized). Here: what
is PostgreSQL's own (sequences, aborted transactions) and the handler with its inbox.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import func, inspect, select, text

from libs import texts
from libs.config import Settings
from libs.contracts import Command, decode_outgoing
from libs.outbox import process_once
from libs.siades.base import Base
from libs.siades.bot_models import InboxEntry, OutboxEntry, RegistrationAttempt
from libs.siades.cli import main
from libs.siades.db import make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.migrate import VERSION_TABLE
from libs.siades.models import LOOKUP_MODELS, Resident
from libs.siades.queries import registration
from services.data_service.handlers import handle

NOW = datetime(2026, 11, 28, 6, 0, 0)
SETTINGS = Settings()
ALL_PROGRAMS = ("PKH", "BPNT", "KIS")
HEAD_NIK, HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]


def seed(url: str) -> str:
    assert main(["seed-demo"], environ={"DATABASE_URL": url}) == 0
    return url


def demo(session, key: str) -> Resident:
    nik = DEMO_RESIDENTS[key][0]
    return session.scalars(select(Resident).where(Resident.nik == nik)).one()


# --- init-db and seed-demo -------------------------------------------------------------------


def digests(engine) -> dict[str, str]:
    """An md5 of every table's rows: equal digests mean no row was added, changed or removed."""
    with engine.connect() as conn:
        return {
            table: conn.scalar(text(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f" FROM {table} AS t"
            ))
            for table in Base.metadata.tables
        }


def test_init_db_creates_every_table_then_nothing(postgres_url, engine_for, capsys):
    env = {"DATABASE_URL": postgres_url}
    assert main(["init-db"], environ=env) == 0
    first = capsys.readouterr().out
    engine = engine_for(postgres_url)
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {VERSION_TABLE}
    created = {line.split()[-1] for line in first.splitlines() if line.startswith("created")}
    assert created == set(Base.metadata.tables)
    for model in LOOKUP_MODELS:
        assert f"filled lookup table {model.__tablename__} (" in first
    uniques = {
        tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("tweb_penduduk")
    }
    assert {("nik",), ("telegram",)} <= uniques

    assert main(["seed-demo"], environ=env) == 0
    with engine.connect() as conn:
        residents = conn.scalar(select(func.count()).select_from(Resident))
        families = conn.scalar(text("SELECT count(*) FROM tweb_keluarga"))
        participants = conn.scalar(text("SELECT count(*) FROM program_peserta"))
    assert (
        f"{families} families, {residents} residents, 3 programs, "
        f"{participants} program participants"
    ) in capsys.readouterr().out
    before = digests(engine)
    assert main(["init-db"], environ=env) == 0
    again = capsys.readouterr().out
    assert "created" not in again and "filled" not in again
    assert "nothing to do" in again
    assert digests(engine) == before

    assert main(["seed-demo"], environ=env) == 1
    assert f"tweb_penduduk already has {residents} rows" in capsys.readouterr().err
    assert digests(engine) == before


def test_seeding_leaves_every_sequence_past_the_seeded_rows(postgres_url, engine_for):
    # Hundreds of rows inserted without explicit ids: a later insert gets the next free id.
    seed(postgres_url)
    with engine_for(postgres_url).begin() as conn:
        for table, values in [
            ("tweb_penduduk", "(nama, id_cluster, created_by) VALUES ('BARU', 1, 0)"),
            ("tweb_keluarga", "(no_kk, id_cluster, updated_by) VALUES ('3517090101250999', 1, 0)"),
            ("tweb_wil_clusterdesa", "(dusun, rw, rt) VALUES ('BARU', '9', '9')"),
            ("tweb_rtm", "(nik_kepala, no_kk) VALUES (1, '3517092006999')"),
            ("program_peserta", "(peserta, program_id, kartu_nik, kartu_nama,"
                                " kartu_tanggal_lahir) VALUES ('1', 1, '1', 'X', '2000-01-01')"),
        ]:
            highest = conn.scalar(text(f"SELECT max(id) FROM {table}"))
            new_id = conn.scalar(text(f"INSERT INTO {table} {values} RETURNING id"))
            assert new_id > highest, table


def test_lookup_tables_take_new_values_without_an_id(postgres_url, engine_for):
    assert main(["init-db"], environ={"DATABASE_URL": postgres_url}) == 0
    with engine_for(postgres_url).begin() as conn:
        new_id = conn.execute(text(
            "INSERT INTO tweb_penduduk_agama (nama) VALUES ('LAINNYA') RETURNING id")).scalar()
    assert new_id == 8  # after OpenSID's seven religions


# --- the data service, end to end without a broker -------------------------------------------


@pytest.fixture
def factory(postgres_url, engine_for):
    """Sessions on a fresh demo village of the test's own: these tests commit."""
    return make_session_factory(engine_for(seed(postgres_url)))


def command(action: str, *args: str, update_id: int, chat_id: int = 1) -> Command:
    return Command(message_id=f"tg-{update_id}", update_id=update_id, service="data",
                   action=action, chat_id=chat_id, user_id=chat_id, args=args)


def process(factory, cmd: Command, before_work=lambda: None) -> list[str]:
    """Handle `cmd` through the inbox as the worker does; the texts of its unpublished replies."""

    def work(session):
        before_work()
        return handle(cmd, session, SETTINGS, NOW)

    entries = process_once(factory, "data_service", cmd, work)
    return [decode_outgoing(entry.payload).text for entry in entries]


def count(factory, model, *where) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_register_then_biodata(factory):
    register = command("register", HEAD_NIK, HEAD_KK, update_id=1)
    [registered] = process(factory, register)
    assert "Pendaftaran berhasil" in registered and HEAD_NAME in registered
    with factory() as session:
        head = demo(session, "head")
        assert head.telegram == "1"
        assert head.telegram_verified_at == datetime(2026, 11, 28, 13, 0, 0)  # WIB

    [shown] = process(factory, command("biodata", update_id=2))
    assert HEAD_NAME in shown
    assert f"NIK: {HEAD_NIK[:4]}**********{HEAD_NIK[-2:]}" in shown and HEAD_NIK not in shown
    assert "Tempat/Tgl Lahir: JOMBANG, 12 April 1978" in shown
    assert "Jenis Kelamin: LAKI-LAKI" in shown
    assert "Pekerjaan: WIRASWASTA" in shown
    assert "Hubungan dalam Keluarga: KEPALA KELUARGA" in shown
    assert "Dusun KRAJAN" in shown


def test_the_same_command_twice_does_the_work_once(factory):
    calls = []
    register = command("register", HEAD_NIK, HEAD_KK, update_id=7)
    first = process(factory, register, lambda: calls.append(1))
    # Given a redelivery (the reply is not published yet), When it is processed again,
    # Then the handler does not run and the stored reply is what would be sent.
    again = process(factory, register, lambda: calls.append(1))
    assert len(calls) == 1
    assert again == first and "Pendaftaran berhasil" in first[0]
    assert count(factory, InboxEntry) == 1
    assert count(factory, OutboxEntry, OutboxEntry.source_message_id == "tg-7") == 1
    assert count(factory, RegistrationAttempt) == 1


def test_two_workers_racing_on_one_command_do_the_work_once(factory):
    # Both pass the inbox check before either commits; PostgreSQL's row lock and the inbox's
    # primary key then leave one link, one inbox row and one stored reply.
    register = command("register", HEAD_NIK, HEAD_KK, update_id=9)
    both_inside = threading.Barrier(2, timeout=10)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(process, factory, register, both_inside.wait) for _ in range(2)]
        results = [run.result(timeout=30) for run in runs]
    assert len(results) == 2 and results[0] == results[1]
    assert len(results[0]) == 1 and "Pendaftaran berhasil" in results[0][0]
    assert count(factory, InboxEntry) == 1
    assert count(factory, OutboxEntry) == 1
    assert count(factory, Resident, Resident.telegram == "1") == 1
    assert count(factory, RegistrationAttempt, RegistrationAttempt.success.is_(True)) == 1


def test_two_residents_racing_for_one_chat_hit_the_unique_backstop(factory, monkeypatch):
    # Both pass the "is this chat linked?" check; the loser's UPDATE waits for the winner's
    # commit, then violates UNIQUE(telegram). On PostgreSQL that aborts the transaction unless
    # a savepoint catches it: register() has one, so the loser still records its command.
    link_chat, both_checked = registration.link_chat, threading.Barrier(2, timeout=10)

    def link_after_both_checked(*args):
        both_checked.wait()
        return link_chat(*args)

    monkeypatch.setattr(registration, "link_chat", link_after_both_checked)
    wife_nik, wife_kk, _ = DEMO_RESIDENTS["wife"]
    commands = [command("register", HEAD_NIK, HEAD_KK, update_id=11),
                command("register", wife_nik, wife_kk, update_id=12)]
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(process, factory, cmd) for cmd in commands]
        replies = sorted(text for run in runs for text in run.result(timeout=30))
    assert replies[0] == texts.CHAT_LINKED_TO_OTHER
    assert replies[1].startswith("Pendaftaran berhasil")
    assert count(factory, Resident, Resident.telegram == "1") == 1
    assert count(factory, InboxEntry) == 2 and count(factory, OutboxEntry) == 2


def test_five_failed_registrations_lock_the_chat(factory):
    wrong_kk = "3517090000000001"
    for update_id, left in enumerate((4, 3, 2, 1), start=1):
        [refused] = process(factory, command("register", HEAD_NIK, wrong_kk, update_id=update_id))
        assert f"Sisa kesempatan: {left} kali" in refused
    [locked] = process(factory, command("register", HEAD_NIK, wrong_kk, update_id=5))
    assert "dikunci sampai 29 November 2026 13:00 WIB." in locked  # first failure + 24 h, WIB
    [still] = process(factory, command("register", HEAD_NIK, HEAD_KK, update_id=6))
    assert "dikunci" in still
    assert count(factory, RegistrationAttempt, RegistrationAttempt.success.is_(False)) == 5
