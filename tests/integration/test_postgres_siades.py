"""The data layer and the data service on a real PostgreSQL server, with the demo village.

The same expectations as on SQLite (tests/unit/test_siades_queries.py, test_data_service.py):
DATABASE_URL may name PostgreSQL, so init-db, seed-demo, the queries and the inbox must hold there.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import exc, func, inspect, select, text

from libs.config import Settings
from libs.contracts import Command, decode_outgoing
from libs.outbox import process_once
from libs.siades import queries
from libs.siades.base import Base
from libs.siades.bot_models import InboxEntry, OutboxEntry, RegistrationAttempt
from libs.siades.cli import main
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS, DEMO_RTM_NO
from libs.siades.models import LOOKUP_MODELS, Program, ProgramParticipant, Resident
from services.data_service.handlers import handle
from tests.support.fixtures_postgres import unique_database_name

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 6, 0, 0)
SETTINGS = Settings()
ALL_PROGRAMS = ("PKH", "BPNT", "KIS")
HEAD_NIK, HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]


@pytest.fixture
def engine_for():
    engines = []

    def make(url):
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def seed(url: str) -> str:
    assert main(["seed-demo"], environ={"DATABASE_URL": url}) == 0
    return url


@pytest.fixture(scope="module")
def seeded_url(postgres_server) -> str:
    """One demo village for the query tests; each of them rolls back what it writes."""
    name = unique_database_name("demo")
    postgres_server.create_database(name)
    return seed(postgres_server.url(name))


@pytest.fixture
def session(seeded_url, engine_for):
    with make_session_factory(engine_for(seeded_url))() as session:
        yield session
        session.rollback()


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
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables)
    created = {line.split()[-1] for line in first.splitlines() if line.startswith("created")}
    assert created == set(Base.metadata.tables)
    for model in LOOKUP_MODELS:
        assert f"filled lookup table {model.__tablename__} (" in first
    uniques = {
        tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("tweb_penduduk")
    }
    assert {("nik",), ("telegram",)} <= uniques

    assert main(["seed-demo"], environ=env) == 0
    assert "6 families, 20 residents, 3 programs, 7 program participants" in (
        capsys.readouterr().out
    )
    before = digests(engine)
    assert main(["init-db"], environ=env) == 0
    again = capsys.readouterr().out
    assert "created" not in again and "filled" not in again
    assert "nothing to do" in again
    assert digests(engine) == before

    assert main(["seed-demo"], environ=env) == 1
    assert "tweb_penduduk already has 20 rows" in capsys.readouterr().err
    assert digests(engine) == before


# --- registration ----------------------------------------------------------------------------


def test_registration_candidate_needs_nik_and_no_kk_that_belong_together(session):
    assert queries.registration_candidate(session, HEAD_NIK, HEAD_KK).name == HEAD_NAME
    other_kk = DEMO_RESIDENTS["family2_head"][1]
    assert queries.registration_candidate(session, HEAD_NIK, other_kk) is None
    assert queries.registration_candidate(session, "3517090000000000", HEAD_KK) is None
    assert queries.registration_candidate(session, HEAD_KK, HEAD_NIK) is None  # swapped


@pytest.mark.parametrize("key", ["dead", "moved"])
def test_registration_candidate_only_for_the_living(session, key):
    nik, no_kk, _ = DEMO_RESIDENTS[key]
    assert queries.registration_candidate(session, nik, no_kk) is None


def test_link_chat_links_once(session):
    head = demo(session, "head")
    assert queries.link_chat(session, head.id, 1001, NOW) is True
    assert (head.telegram, head.telegram_verified_at) == ("1001", NOW)
    assert queries.resident_by_chat(session, 1001).id == head.id
    assert queries.link_chat(session, head.id, 2002, NOW) is False
    assert queries.link_chat(session, head.id, 1001, NOW) is False
    assert session.scalar(select(Resident.telegram).where(Resident.id == head.id)) == "1001"
    assert queries.link_chat(session, demo(session, "dead").id, 3003, NOW) is False


def test_link_chat_unique_telegram_is_the_backstop(session):
    head, wife = demo(session, "head"), demo(session, "wife")
    assert queries.link_chat(session, head.id, 5005, NOW)
    with pytest.raises(exc.IntegrityError, match="uq_tweb_penduduk_telegram"):
        queries.link_chat(session, wife.id, 5005, NOW)


def test_failed_attempts_count_only_this_chats_failures_in_the_window(session):
    for minutes, chat, success in [(-90, 1, False), (-30, 1, False), (-20, 1, True),
                                   (-10, 1, False), (-5, 2, False)]:
        queries.record_attempt(session, chat, success, "test", NOW + timedelta(minutes=minutes))
    precise = NOW - timedelta(minutes=45, microseconds=123456)
    queries.record_attempt(session, 3, False, "test", precise)
    since = NOW - timedelta(hours=1)
    assert queries.failed_attempts_since(session, 1, since) == 2
    assert queries.first_failure_since(session, 1, since) == NOW - timedelta(minutes=30)
    assert queries.first_failure_since(session, 3, since) == precise  # microseconds kept
    assert queries.failed_attempts_since(session, 4, since) == 0
    assert queries.first_failure_since(session, 4, since) is None


# --- biodata and family ----------------------------------------------------------------------


def test_biodata_shows_lookup_names(session):
    assert queries.biodata(session, demo(session, "head")) == queries.Biodata(
        name="BUDI SANTOSO", nik=HEAD_NIK, birth_place="JOMBANG",
        birth_date=date(1978, 4, 12), sex="LAKI-LAKI", religion="ISLAM", marital_status="KAWIN",
        education="SLTA / SEDERAJAT", occupation="WIRASWASTA", citizenship="WNI",
        family_role="KEPALA KELUARGA", dusun="KRAJAN", rw="001", rt="001",
        address="Jl. Melati No. 5",
    )
    wife = queries.biodata(session, demo(session, "wife"))
    assert (wife.sex, wife.family_role, wife.occupation) == (
        "PEREMPUAN", "ISTRI", "MENGURUS RUMAH TANGGA"
    )
    assert queries.biodata(session, demo(session, "no_program")).religion == "KRISTEN"


def test_family_lists_living_members_head_first(session):
    family = queries.family_of(session, demo(session, "child"))
    assert family.no_kk == HEAD_KK
    assert [(m.name, m.family_role) for m in family.members] == [
        ("BUDI SANTOSO", "KEPALA KELUARGA"),
        ("SITI AMINAH", "ISTRI"),
        ("DWI PRASETYO", "ANAK"),
        ("RINA SAFITRI", "ANAK"),
    ]  # KASIANI (ORANGTUA) is dead: not listed
    assert family.members[1] == queries.Member("SITI AMINAH", "ISTRI", "PEREMPUAN",
                                               date(1982, 8, 23))


def test_new_residents_get_ids_from_the_sequence_and_sort_after_the_head(session):
    single = demo(session, "single")
    session.add_all([
        Resident(name="ANAK", family_id=single.family_id, family_role_id=4, area_id=1),
        Resident(name="ISTRI", family_id=single.family_id, family_role_id=3, area_id=1),
    ])
    session.flush()
    names = [m.name for m in queries.family_of(session, single).members]
    assert names == ["AHMAD FAUZI", "ISTRI", "ANAK"]


# --- programs --------------------------------------------------------------------------------


def names_of(memberships) -> list[tuple[str, int]]:
    return [(m.program_name, m.target) for m in memberships]


def test_family_programs_go_by_the_family_card(session):  # sasaran 2
    head = queries.program_memberships(session, demo(session, "head"), ALL_PROGRAMS)
    assert names_of(head) == [("BPNT", 2), ("PKH", 2)]
    assert head[1] == queries.Membership(
        "PKH", "PKH-3517-0001", date(2025, 1, 1), date(2025, 12, 31), True, 2
    )
    child = queries.program_memberships(session, demo(session, "child"), ALL_PROGRAMS)
    assert names_of(child) == [("BPNT", 2), ("PKH", 2)]
    none = queries.program_memberships(session, demo(session, "no_program"), ALL_PROGRAMS)
    assert none == []


def test_person_programs_go_by_nik(session):  # sasaran 1
    wife = queries.program_memberships(session, demo(session, "wife"), ALL_PROGRAMS)
    assert names_of(wife) == [("BPNT", 2), ("KIS", 1), ("PKH", 2)]
    kis = queries.program_memberships(session, demo(session, "kis_member"), ("KIS",))
    assert [m.card_number for m in kis] == ["0001234567801"]
    assert queries.program_memberships(session, demo(session, "head"), ("KIS",)) == []


def test_household_programs_go_by_the_household_number(session):  # sasaran 3
    program = Program(name=" Bedah Rumah ", target=3, start_date=date(2025, 1, 1),
                      end_date=date(2025, 6, 30), status=0)
    session.add(program)
    session.flush()
    session.add(ProgramParticipant(
        participant=DEMO_RTM_NO, program_id=program.id, card_number="RTM-1", kartu_nik="-",
        kartu_nama="-", kartu_tanggal_lahir=date(2000, 1, 1),
    ))
    session.flush()
    rofiq = demo(session, "household_head")
    assert queries.program_memberships(session, rofiq, ("bedah rumah ",)) == [queries.Membership(
        "Bedah Rumah", "RTM-1", date(2025, 1, 1), date(2025, 6, 30), False, 3
    )]
    assert queries.program_memberships(session, demo(session, "head"), ("BEDAH RUMAH",)) == []


def test_village_name(session):
    assert queries.village_name(session) == "Sumbermulyo"


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

    return [decode_outgoing(e.payload).text for e in process_once(factory, "data_service", cmd,
                                                                    work)]


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


def test_five_failed_registrations_lock_the_chat(factory):
    for update_id, left in enumerate((4, 3, 2, 1), start=1):
        [refused] = process(factory, command("register", HEAD_NIK, "0" * 16, update_id=update_id))
        assert f"Sisa kesempatan: {left} kali" in refused
    [locked] = process(factory, command("register", HEAD_NIK, "0" * 16, update_id=5))
    assert "dikunci sampai 29 November 2026 13:00 WIB." in locked  # first failure + 24 h, WIB
    [still] = process(factory, command("register", HEAD_NIK, HEAD_KK, update_id=6))
    assert "dikunci" in still
    assert count(factory, RegistrationAttempt, RegistrationAttempt.success.is_(False)) == 5
