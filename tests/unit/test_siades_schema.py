"""init-db and seed-demo (libs/siades/schema.py, demo.py, cli.py) on SQLite."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, inspect, select, text

from libs.siades.base import Base
from libs.siades.bot_models import BOT_MODELS
from libs.siades.cli import main
from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS, FAMILIES, RESIDENTS
from libs.siades.lookups import LOOKUPS
from libs.siades.models import Program, Resident

REPO = Path(__file__).resolve().parents[2]
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
    assert set(inspect(engine).get_table_names()) == ALL_TABLES
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


def test_seed_demo_fills_an_empty_database(db_path):
    assert run_cli(db_path, "seed-demo") == 0
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Resident)) == len(RESIDENTS)
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
            dumps.append(conn.execute(text(
                "SELECT id, nik, nama, id_kk, kk_level, id_rtm, status_dasar FROM tweb_penduduk"
                " ORDER BY id"
            )).all() + conn.execute(text("SELECT * FROM program_peserta ORDER BY id")).all())
        engine.dispose()
    assert dumps[0] == dumps[1]


def test_seed_demo_refuses_a_database_with_residents(db_path, capsys):
    assert run_cli(db_path, "seed-demo") == 0
    capsys.readouterr()
    assert run_cli(db_path, "seed-demo") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused" in err and "20 rows" in err
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Resident)) == 20
        assert conn.scalar(select(func.count()).select_from(Program)) == 3
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


def test_demo_niks_and_family_numbers_have_the_real_structure():
    niks = [row[2] for row in RESIDENTS]
    assert len(set(niks)) == len(niks)
    for _, _, nik, _, sex, _, iso_date, *_ in RESIDENTS:
        born = date.fromisoformat(iso_date)
        day = born.day + (40 if sex == 2 else 0)
        assert nik[:6] == "351709" and len(nik) == 16 and nik.isdigit()
        assert nik[6:12] == f"{day:02d}{born:%m%y}"
    for no_kk, _, _ in FAMILIES.values():
        assert len(no_kk) == 16 and no_kk.startswith("351709")
        date(2000 + int(no_kk[10:12]), int(no_kk[8:10]), int(no_kk[6:8]))  # a real issue date
    for nik, no_kk, _ in DEMO_RESIDENTS.values():
        assert nik in niks and no_kk in {f[0] for f in FAMILIES.values()}
