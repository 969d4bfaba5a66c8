"""init-db and seed-demo (libs/siades/schema.py, demo.py, cli.py) on SQLite."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from faker.providers.person.id_ID import Provider as IndonesianNames
from sqlalchemy import MetaData, func, inspect, select, text

from libs.siades.base import Base
from libs.siades.bot_models import BOT_MODELS
from libs.siades.cli import main
from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS, FAMILIES, RESIDENTS
from libs.siades.demo_village import CENSUS_DATE, SEED, generate_village
from libs.siades.lookups import LOOKUPS
from libs.siades.migrate import VERSION_TABLE
from libs.siades.models import Family, Program, Resident

REPO = Path(__file__).resolve().parents[4]
MALE_FIRST_NAMES = set(IndonesianNames.first_names_male)
FEMALE_FIRST_NAMES = set(IndonesianNames.first_names_female)
ALL_TABLES = set(Base.metadata.tables)


def run_cli(db_path: Path, *args: str) -> int:
    return main(list(args), environ={"DATABASE_URL": f"sqlite:///{db_path}"})


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a command changed nothing."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(conn.execute(select(table)).all(), key=repr)
            for name, table in metadata.tables.items()
        }


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "siades.db"


def test_init_db_creates_every_table_and_fills_lookups(db_path, capsys):
    assert run_cli(db_path, "init-db") == 0
    engine = make_engine(f"sqlite:///{db_path}")
    assert set(inspect(engine).get_table_names()) == ALL_TABLES | {VERSION_TABLE}
    with engine.connect() as conn:
        for table, rows in LOOKUPS.items():
            assert conn.execute(text(f"SELECT id, nama FROM {table} ORDER BY id")).all() == [
                tuple(r) for r in rows
            ]
    engine.dispose()
    out = capsys.readouterr().out
    for model in BOT_MODELS:
        assert f"created table {model.__tablename__}" in out
    assert "filled lookup table tweb_penduduk_pekerjaan (89 rows)" in out


def test_init_db_is_idempotent_and_never_touches_rows(db_path, capsys):
    # Given a seeded database whose rows an operator has since edited
    assert run_cli(db_path, "seed-demo") == 0
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE tweb_penduduk_sex SET nama = 'LAKI-LAKI (edited)' WHERE id = 1"))
        conn.execute(text("DELETE FROM tweb_penduduk_agama WHERE id > 1"))
        conn.execute(text("DROP TABLE bot_audit"))
    before = snapshot(engine)
    capsys.readouterr()

    # When init-db runs twice
    assert run_cli(db_path, "init-db") == 0
    first = capsys.readouterr().out
    assert run_cli(db_path, "init-db") == 0
    second = capsys.readouterr().out

    # Then it recreated only the missing table, refilled no lookup, and changed no row
    assert "created table bot_audit" in first
    assert "created table" not in first.replace("created table bot_audit", "")
    assert "filled" not in first
    assert "nothing to do" in second
    after = snapshot(engine)
    assert after.pop("bot_audit") == []
    assert after == before
    engine.dispose()


def test_init_db_leaves_an_existing_opensid_table_as_it_is(db_path):
    # A real OpenSID tweb_penduduk has many more columns than we map.
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE tweb_penduduk (id INTEGER PRIMARY KEY, nama VARCHAR(100) NOT NULL,"
            " nik VARCHAR(16), id_cluster INTEGER NOT NULL, foto VARCHAR(100))"
        ))
        conn.execute(text("INSERT INTO tweb_penduduk VALUES (7, 'WARGA', '1', 1, 'f.jpg')"))
    assert run_cli(db_path, "init-db") == 0
    columns = {c["name"] for c in inspect(engine).get_columns("tweb_penduduk")}
    assert "foto" in columns and "telegram" not in columns
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM tweb_penduduk")).all() == [
            (7, "WARGA", "1", 1, "f.jpg")
        ]
    engine.dispose()


def count_rows(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database(db_path, capsys):
    assert run_cli(db_path, "seed-demo") == 0
    engine = make_engine(f"sqlite:///{db_path}")
    residents, families = count_rows(engine, Resident), count_rows(engine, Family)
    assert 270 <= residents <= 330 and 80 <= families <= 100  # about 300 in about 90 families
    assert f"{families} families, {residents} residents, 3 programs" in capsys.readouterr().out
    with engine.connect() as conn:
        assert set(conn.scalars(select(Program.name))) == {"PKH", "BPNT", "KIS"}
        village = conn.execute(text(
            "SELECT nama_desa, kode_desa, nama_kecamatan, nama_kabupaten, nama_propinsi, kode_pos"
            " FROM config"
        )).one()
    assert tuple(village) == (
        "Sumbermulyo", "3517092006", "Jogoroto", "Jombang", "Jawa Timur", 61485
    )
    engine.dispose()


def test_seed_demo_is_deterministic(tmp_path):
    dumps = []
    for name in ("a.db", "b.db"):
        assert run_cli(tmp_path / name, "seed-demo") == 0
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        with engine.connect() as conn:
            dumps.append([conn.execute(text(query)).all() for query in (
                "SELECT id, nik, nama, sex, tempatlahir, tanggallahir, agama_id, pendidikan_kk_id,"
                " pekerjaan_id, status_kawin, id_kk, kk_level, id_cluster, alamat_sekarang,"
                " id_rtm, rtm_level, status_dasar FROM tweb_penduduk ORDER BY id",
                "SELECT id, no_kk, nik_kepala, id_cluster, alamat FROM tweb_keluarga ORDER BY id",
                "SELECT * FROM tweb_wil_clusterdesa ORDER BY id",
                "SELECT id, no_kk, nik_kepala FROM tweb_rtm ORDER BY id",
                "SELECT * FROM program_peserta ORDER BY id",
            )])
        engine.dispose()
    assert dumps[0] == dumps[1]


def test_generation_ignores_the_global_random_state_and_follows_the_seed():
    taken = ({row[2] for row in RESIDENTS}, {f[0] for f in FAMILIES.values()})
    random.seed(1)
    first = generate_village(*taken)
    random.seed(2)
    assert generate_village(*taken) == first
    assert generate_village(*taken, seed=SEED + 1).residents != first.residents


def test_seed_demo_refuses_a_database_with_residents(db_path, capsys):
    assert run_cli(db_path, "seed-demo") == 0
    capsys.readouterr()
    engine = make_engine(f"sqlite:///{db_path}")
    before = snapshot(engine)
    assert run_cli(db_path, "seed-demo") == 1
    err = capsys.readouterr().err
    residents = len(before["tweb_penduduk"])
    assert err.count("\n") == 1 and "refused" in err and f"{residents} rows" in err
    assert snapshot(engine) == before
    engine.dispose()


def test_python_dash_m_runs_against_a_relative_sqlite_path(tmp_path):
    env = {"DATABASE_URL": "sqlite:///village.db", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "libs.siades", "seed-demo"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "seeded demo village" in done.stdout
    assert (tmp_path / "village.db").is_file()


def test_hand_written_residents_are_in_the_hand_written_families():
    niks = {row[2] for row in RESIDENTS}
    for nik, no_kk, _ in DEMO_RESIDENTS.values():
        assert nik in niks and no_kk in {f[0] for f in FAMILIES.values()}


# --- the seeded village, hand-written and generated rows alike -------------------------------


@dataclass(frozen=True)
class Village:
    residents: list  # rows of tweb_penduduk with the columns below
    families: list
    areas: dict[int, tuple[str, str, str]]  # id -> (dusun, rw, rt)
    participants: dict[str, list[str]]  # program name -> peserta
    households: list


@pytest.fixture(scope="module")
def village(seeded_sqlite_template) -> Village:
    """The seeded demo village's rows, read once from the test run's template database."""
    engine = make_engine(f"sqlite:///{seeded_sqlite_template}")
    with engine.connect() as conn:
        residents = conn.execute(text(
            "SELECT id, nik, nama, sex, tanggallahir, id_kk, kk_level, status_kawin, status_dasar,"
            " pendidikan_kk_id, pekerjaan_id, id_cluster, id_rtm, rtm_level FROM tweb_penduduk"
            " ORDER BY id"
        )).all()
        families = conn.execute(text(
            "SELECT id, no_kk, nik_kepala, id_cluster FROM tweb_keluarga ORDER BY id"
        )).all()
        areas = {row.id: (row.dusun, row.rw, row.rt) for row in conn.execute(text(
            "SELECT id, dusun, rw, rt FROM tweb_wil_clusterdesa"))}
        participants: dict[str, list[str]] = {}
        for name, peserta in conn.execute(text(
            "SELECT p.nama, pp.peserta FROM program_peserta pp JOIN program p"
            " ON p.id = pp.program_id ORDER BY pp.id"
        )):
            participants.setdefault(name, []).append(peserta)
        households = conn.execute(text("SELECT no_kk, nik_kepala FROM tweb_rtm")).all()
    engine.dispose()
    return Village(residents, families, areas, participants, households)


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def nik_date(nik: str) -> tuple[date, bool]:
    """The birth date a NIK encodes, and whether it marks a woman (day + 40)."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    century = 2000 if 2000 + year <= CENSUS_DATE.year else 1900
    return date(century + year, month, day - 40 if female else day), female


def test_every_nik_has_the_real_structure_and_is_unique(village):
    niks = [r.nik for r in village.residents]
    assert len(set(niks)) == len(niks)
    for r in village.residents:
        assert len(r.nik) == 16 and r.nik.isdigit() and r.nik.startswith("351709")
        born, female = nik_date(r.nik)
        assert born == as_date(r.tanggallahir), r
        assert female == (r.sex == 2), r
        assert r.nik[12:] != "0000"


def test_every_no_kk_is_unique_with_a_real_issue_date_and_one_head(village):
    numbers = [f.no_kk for f in village.families]
    assert len(set(numbers)) == len(numbers)
    born = {r.id: as_date(r.tanggallahir) for r in village.residents}
    for family in village.families:
        assert len(family.no_kk) == 16 and family.no_kk.startswith("351709")
        issued = date(2000 + int(family.no_kk[10:12]), int(family.no_kk[8:10]),
                      int(family.no_kk[6:8]))
        assert issued <= CENSUS_DATE and family.no_kk[12:] != "0000"
        heads = [r for r in village.residents if r.id_kk == family.id and r.kk_level == 1]
        assert len(heads) == 1 and family.nik_kepala == str(heads[0].id)
        assert heads[0].status_dasar == 1
        assert issued >= born[heads[0].id]


def test_roles_ages_marriage_school_and_work_are_consistent(village):
    heads = {r.id_kk: r for r in village.residents if r.kk_level == 1}
    for r in village.residents:
        born = as_date(r.tanggallahir)
        head_born = as_date(heads[r.id_kk].tanggallahir)
        if r.kk_level == 4:  # ANAK
            assert age_on(head_born, born) >= 15, r
        if r.kk_level in (7, 8):  # ORANGTUA, MERTUA
            assert age_on(born, head_born) >= 15, r
        if r.kk_level in (2, 3):  # SUAMI, ISTRI
            assert r.sex == (1 if r.kk_level == 2 else 2) and r.status_kawin == 2, r
        age = age_on(born, CENSUS_DATE)
        if age < 17:
            assert r.status_kawin == 1, r  # BELUM KAWIN
        if age < 19:  # not working: BELUM/TIDAK BEKERJA or PELAJAR/MAHASISWA
            assert r.pekerjaan_id in (1, 3), r
        if age < 21:  # SLTA at most
            assert r.pendidikan_kk_id <= 5, r
    roles = {r.kk_level for r in village.residents}
    assert {1, 2, 3, 4, 7} <= roles


def test_generated_names_fit_the_sex(village):
    hand_written = {row[2] for row in RESIDENTS}
    for r in village.residents:
        if r.nik not in hand_written:
            first = r.nama.split()[0].title()
            names = FEMALE_FIRST_NAMES if r.sex == 2 else MALE_FIRST_NAMES
            assert r.nama == r.nama.upper() and first in names, r


def test_families_are_spread_over_dusun_rw_and_rt(village):
    places = [village.areas[f.id_cluster] for f in village.families]
    assert all(rt != "0" for _, _, rt in places)  # families live in an RT
    assert len({dusun for dusun, _, _ in places}) >= 3
    assert len({(dusun, rw) for dusun, rw, _ in places}) >= 4
    assert len(set(places)) >= 8
    listed = set(village.areas.values())
    for dusun, rw, _ in places:  # OpenSID's rows above each RT: the RW's and the dusun's
        assert {(dusun, rw, "0"), (dusun, "0", "0")} <= listed
    family_area = {f.id: f.id_cluster for f in village.families}
    assert all(r.id_cluster == family_area[r.id_kk] for r in village.residents)


def test_programs_reach_some_families_several_and_most_none(village):
    by_nik = {r.nik: r for r in village.residents}
    numbers = {f.no_kk for f in village.families}
    pkh, bpnt, kis = (set(village.participants[n]) for n in ("PKH", "BPNT", "KIS"))
    assert pkh <= numbers and bpnt <= numbers and kis <= set(by_nik)
    assert all(by_nik[nik].status_dasar == 1 for nik in kis)
    family_of = {f.no_kk: f.id for f in village.families}
    kis_families = {by_nik[nik].id_kk for nik in kis}
    assert len(pkh & bpnt) >= 3 and {family_of[n] for n in pkh} & kis_families
    in_any = {family_of[n] for n in pkh | bpnt} | kis_families
    assert len(in_any) < len(village.families) / 2
    size = Counter(r.id_kk for r in village.residents)
    share = {name: sum(size[family_of[n]] for n in numbers) / len(village.residents)
             for name, numbers in (("PKH", pkh), ("BPNT", bpnt))}
    share["KIS"] = len(kis) / len(village.residents)
    assert 0.08 <= share["PKH"] <= 0.25 and 0.12 <= share["BPNT"] <= 0.3, share
    assert 0.15 <= share["KIS"] <= 0.35, share


def test_some_residents_died_or_moved_away(village):
    statuses = Counter(r.status_dasar for r in village.residents)
    hand_written = Counter(row[11] for row in RESIDENTS)
    assert statuses[2] > hand_written[2] and statuses[3] > hand_written[3]
    assert statuses[1] >= 0.9 * len(village.residents)


def test_households_hold_living_members_of_one_family(village):
    assert len(village.households) > 1
    for number, head_id in village.households:
        members = [r for r in village.residents if r.id_rtm == number]
        assert [r.id for r in members if r.rtm_level == 1] == [head_id]
        assert len({r.id_kk for r in members}) == 1
        assert all(r.status_dasar == 1 for r in members)
