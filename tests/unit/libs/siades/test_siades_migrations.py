"""Alembic migrations (libs/siades/migrate.py, libs/siades/migrations/) on SQLite: the cases
beyond tests/integration/test_migrations.py, which runs the common ones on all three databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from libs.siades import migrate
from libs.siades.cli import main
from libs.siades.db import make_engine
from libs.siades.schema import init_db
from tests.support.schemas import (
    BOT_TABLES,
    MIGRATED_TABLES,
    MODEL_TABLES,
    OPENSID_TABLES,
    make_pre_migrations_database,
    rows,
    shapes,
    versions,
)

REPO = Path(__file__).resolve().parents[4]
HEADS = {"bot_0003", "opensid_0002"}
# all, in order of name
REVISIONS = ["bot_0001", "bot_0002", "bot_0003", "opensid_0001", "opensid_0002"]
BOT_REVISIONS = ["bot_0001", "bot_0002", "bot_0003"]
# The bot_ tables of the first init-db, before the letters came (3254dd8).
FIRST_BOT_TABLES = ("bot_inbox", "bot_outbox", "bot_registration_attempts",
                    "bot_notifications", "bot_chats", "bot_audit")


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'siades.db'}"


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def diff(engine, tables=MODEL_TABLES) -> list:
    with engine.connect() as conn:
        return migrate.schema_diff(conn, tables)

def test_an_older_database_gets_the_bot_tables_it_lacked_at_adoption(engine):
    make_pre_migrations_database(engine, FIRST_BOT_TABLES)
    before = rows(engine, [*OPENSID_TABLES, *FIRST_BOT_TABLES])
    report = init_db(engine)
    assert report.migrations.adopted
    assert set(report.created_tables) == BOT_TABLES - set(FIRST_BOT_TABLES)
    assert versions(engine) == HEADS and diff(engine) == []
    assert rows(engine, [*OPENSID_TABLES, *FIRST_BOT_TABLES]) == before


def test_opensid_tables_that_exist_are_left_as_they_are_and_out_of_autogenerate(engine):
    # A real OpenSID's tweb_penduduk: more columns than we map, none of our indexes.
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE tweb_penduduk (id INTEGER PRIMARY KEY,"
                          " nama VARCHAR(100) NOT NULL, foto VARCHAR(100))"))
    before = shapes(engine, ["tweb_penduduk"])
    report = migrate.upgrade(engine)
    assert not report.adopted and sorted(report.applied) == REVISIONS
    assert shapes(engine, ["tweb_penduduk"]) == before
    assert diff(engine, MODEL_TABLES - {"tweb_penduduk"}) == []
    with engine.connect() as conn:
        command.check(migrate.alembic_config(conn))  # autogenerate sees bot_ tables only


def test_a_table_dropped_from_a_migrated_database_is_made_again(engine):
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bot_letter_drafts"))
        conn.execute(text("DROP TABLE program_peserta"))
    report = init_db(engine)
    assert report.migrations.applied == []
    assert set(report.created_tables) == {"bot_letter_drafts", "program_peserta"}
    assert diff(engine) == []


def test_schema_command_says_whether_migrations_are_pending(db_url, capsys):
    env = {"DATABASE_URL": db_url}
    assert main(["schema"], environ=env) == 1
    assert "none (before migrations)" in capsys.readouterr().out
    assert main(["init-db"], environ=env) == 0
    capsys.readouterr()
    assert main(["schema"], environ=env) == 0
    assert "up to date" in capsys.readouterr().out


def test_schema_sql_writes_the_ddl_without_connecting(tmp_path, capsys):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}"}
    assert main(["schema", "--sql"], environ=env) == 0
    everything = capsys.readouterr().out
    assert main(["schema", "--sql", "bot@head"], environ=env) == 0
    bot_only = capsys.readouterr().out
    assert not (tmp_path / "never.db").exists()
    for name in MIGRATED_TABLES:
        assert f"CREATE TABLE {name} (" in everything
        assert (f"CREATE TABLE {name} (" in bot_only) == name.startswith("bot_")
    assert "INSERT INTO bot_alembic_version (version_num) VALUES ('bot_0001')" in bot_only
    assert "UPDATE bot_alembic_version SET version_num='bot_0003'" in bot_only


def test_the_alembic_command_works_from_any_directory(tmp_path, engine, db_url):
    # What a developer runs before `revision --autogenerate`: the database at the heads,
    # then `check`, which fails if the bot_ models differ from the migrations.
    ini = REPO / "libs" / "siades" / "migrations" / "alembic.ini"
    alembic = Path(sys.executable).with_name("alembic")
    env = {**os.environ, "DATABASE_URL": db_url}
    for args in (["upgrade", "heads"], ["check"], ["current"]):
        done = subprocess.run([alembic, "-c", ini, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert "bot_0003 (head)" in done.stdout and "opensid_0002 (head)" in done.stdout
    assert versions(engine) == HEADS and diff(engine) == []

