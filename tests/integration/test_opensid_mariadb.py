"""The data layer on a real OpenSID 22.12 database (its own demo dump) in MariaDB."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import exc, inspect, select, text

from libs.formatting import address
from libs.siades.base import Base
from libs.siades.bot_models import BOT_MODELS
from libs.siades.cli import main
from libs.siades.db import make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.migrate import VERSION_TABLE
from libs.siades.models import Resident
from libs.siades.queries import assistance, registration, residents
from libs.siades.village import village_name
from libs.vocabulary.states import RequestState
from tests.support.fixtures_mariadb import load_opensid_database

AHLUL_NIK, AHLUL_KK = "5201142005716996", "5201140104126994"
KIS_ALIASES = ("KIS", "JAMKESMAS", "JKN-KIS", "PBI")
BOT_TABLES = {m.__tablename__ for m in BOT_MODELS}
CHECKED_TABLES = ("tweb_penduduk", "tweb_keluarga", "program", "program_peserta", "config")


@pytest.fixture(scope="module")
def readonly_url(mariadb_server):
    """One dump for the tests that only read (loading it takes a second or two)."""
    return load_opensid_database(mariadb_server)


@pytest.fixture
def session(readonly_url, engine_for):
    with make_session_factory(engine_for(readonly_url))() as session:
        yield session
        session.rollback()


@pytest.fixture
def ahlul(session) -> Resident:
    return registration.registration_candidate(session, AHLUL_NIK, AHLUL_KK)


def checksums(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {
            t: tuple(conn.execute(text(f"CHECKSUM TABLE {t}")).one()) for t in CHECKED_TABLES
        }


def test_init_db_adds_only_the_bot_tables_and_leaves_rows_alone(opensid_db_url, engine_for, capsys):
    engine = engine_for(opensid_db_url)
    tables_before = set(inspect(engine).get_table_names())
    sums_before = checksums(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM tweb_penduduk")) == 97

    assert main(["init-db"], environ={"DATABASE_URL": opensid_db_url}) == 0
    out = capsys.readouterr().out
    assert main(["init-db"], environ={"DATABASE_URL": opensid_db_url}) == 0
    again = capsys.readouterr().out

    tables_after = set(inspect(engine).get_table_names())
    assert tables_after - tables_before == BOT_TABLES | {VERSION_TABLE}
    assert set(Base.metadata.tables) <= tables_after
    assert {line.split()[-1] for line in out.splitlines() if "created table" in line} == BOT_TABLES
    assert "filled" not in out
    assert "nothing to do" in again
    assert checksums(engine) == sums_before
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM tweb_penduduk")) == 97


def test_seed_demo_refuses_opensid_without_touching_it(readonly_url, engine_for, capsys):
    tables_before = set(inspect(engine_for(readonly_url)).get_table_names())
    assert main(["seed-demo"], environ={"DATABASE_URL": readonly_url}) == 1
    assert "97 rows" in capsys.readouterr().err
    assert set(inspect(engine_for(readonly_url)).get_table_names()) == tables_before


def test_ahlul_is_a_registration_candidate(ahlul):
    assert ahlul is not None and ahlul.name == "AHLUL" and ahlul.id == 1


@pytest.mark.parametrize(
    ("nik", "no_kk"),
    [
        (AHLUL_NIK, "5201140104126995"),  # someone else's family card
        (AHLUL_NIK, "5201140104126990"),  # no such card
        ("5201141003666996", AHLUL_KK),  # AHYAR: real NIK, other family
        (AHLUL_KK, AHLUL_NIK),  # swapped
    ],
)
def test_wrong_pairs_are_no_candidate(session, nik, no_kk):
    assert registration.registration_candidate(session, nik, no_kk) is None


def test_biodata_matches_the_dump(session, ahlul):
    dusun, rw, rt = session.execute(
        text("SELECT dusun, rw, rt FROM tweb_wil_clusterdesa WHERE id = 4")
    ).one()
    assert (dusun, rw, rt) == ("MANGSIT", "-", "004")
    assert residents.biodata(session, ahlul) == residents.Biodata(
        name="AHLUL", nik=AHLUL_NIK, birth_place="MANGSIT", birth_date=date(1970, 5, 20),
        sex="LAKI-LAKI", religion="ISLAM", marital_status="KAWIN",
        education="TAMAT SD / SEDERAJAT", occupation="TUKANG BATU", citizenship="WNI",
        family_role="KEPALA KELUARGA", dusun=dusun, rw=rw, rt=rt, address=None,
    )


def test_family_is_the_living_members_of_id_kk_1_head_first(session, ahlul):
    living = session.execute(
        text("SELECT nama FROM tweb_penduduk WHERE id_kk = 1 AND status_dasar = 1")
    ).scalars().all()
    family = residents.family_of(session, ahlul)
    assert family.no_kk == AHLUL_KK
    assert family.address is None  # the dump leaves tweb_keluarga.alamat empty
    assert address(family.address, family.dusun, family.rw, family.rt) == "RT 004, Dusun MANGSIT"
    assert sorted(m.name for m in family.members) == sorted(living)
    assert family.members[0].name == "AHLUL"
    assert family.members[0].family_role == "KEPALA KELUARGA"


def test_bpnt_through_the_family_card(session, ahlul):
    got = assistance.program_memberships(session, ahlul, ("BPNT",))
    assert got == [assistance.Membership(
        "BPNT", "2", date(2015, 12, 13), date(2021, 12, 13), True, 2
    )]


def test_kis_found_through_the_jamkesmas_alias(session, ahlul):
    assert assistance.programs_named(session, ("KIS",)) == []
    got = assistance.program_memberships(session, ahlul, KIS_ALIASES)
    assert [(m.program_name, m.target, m.card_number) for m in got] == [("JAMKESMAS", 1, "1")]


def test_village_name_is_trimmed(session):
    assert village_name(session) == "Senggig1"  # stored as 'Senggig1 '


def test_pkh_known_but_ahlul_not_in_it(session, ahlul):
    assert [p.name for p in assistance.programs_named(session, ("pkh",))] == ["PKH"]
    assert assistance.program_memberships(session, ahlul, ("PKH",)) == []


def test_link_chat_on_mariadb(session, ahlul):
    # All in one transaction, rolled back by the fixture: the shared dump stays pristine.
    now = datetime(2025, 3, 1, 8, 30)
    assert registration.link_chat(session, ahlul.id, 987654321, now) is True
    assert registration.link_chat(session, ahlul.id, 987654321, now) is False
    assert registration.resident_by_chat(session, 987654321).name == "AHLUL"
    rows = session.execute(text(
        "SELECT id, telegram, telegram_tgl_verifikasi FROM tweb_penduduk"
        " WHERE telegram IS NOT NULL"
    )).all()
    assert rows == [(1, "987654321", now)]
    son = registration.registration_candidate(session, "5201140706966997", AHLUL_KK)
    with pytest.raises(exc.IntegrityError, match="Duplicate entry"):
        registration.link_chat(session, son.id, 987654321, now)


def test_init_db_and_seed_demo_on_an_empty_mariadb(empty_mariadb_url, engine_for):
    assert main(["seed-demo"], environ={"DATABASE_URL": empty_mariadb_url}) == 0
    engine = engine_for(empty_mariadb_url)
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {VERSION_TABLE}
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints(
        "tweb_penduduk"
    )}
    assert {("nik",), ("telegram",)} <= uniques
    t0 = datetime(2025, 3, 1, 8, 30, 0, 123456)
    with make_session_factory(engine)() as session:
        nik, no_kk, _ = DEMO_RESIDENTS["head"]
        head = registration.registration_candidate(session, nik, no_kk)
        got = assistance.program_memberships(session, head, ("PKH", "BPNT", "KIS"))
        assert [m.program_name for m in got] == ["BPNT", "PKH"]
        assert [m.name for m in residents.family_of(session, head).members][:2] == [
            "BUDI SANTOSO", "SITI AMINAH"
        ]
        registration.record_attempt(session, 42, False, "mismatch", t0, "d" * 64)
        registration.record_attempt(session, 43, False, "mismatch", t0, "d" * 64)
        session.commit()
        since = datetime(2025, 3, 1)
        assert registration.first_failure_since(session, 42, since) == t0  # datetime(6)
        assert registration.nik_failures_since(session, "d" * 64, since) == \
            registration.Guesses(2, 2, t0)
        assert session.scalars(select(Resident.id)).all()


def test_a_request_state_goes_to_mariadb_as_a_number(session):
    # pymysql picks an encoder by exact type: unhelped, it sends an IntEnum as the string '3'.
    sent = session.execute(text("SELECT :state"), {"state": RequestState.READY}).scalar_one()
    assert sent == 3 and isinstance(sent, int)
