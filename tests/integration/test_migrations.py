"""The migrations on SQLite, MariaDB and PostgreSQL, and beside OpenSID's own demo database."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from libs.siades import migrate
from libs.siades.cli import main
from tests.support.schemas import (
    BOT_TABLES,
    BOT_TABLES_AT_BASELINE,
    MIGRATED_TABLES,
    MODEL_TABLES,
    OPENSID_TABLES,
    make_pre_migrations_database,
    row_counts,
    rows,
    shapes,
    table_names,
    versions,
)

HEADS = {"bot_0003", "opensid_0002"}
# all, in order of name
REVISIONS = ["bot_0001", "bot_0002", "bot_0003", "opensid_0001", "opensid_0002"]
BOT_REVISIONS = ["bot_0001", "bot_0002", "bot_0003"]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> str:
    """A database with no table at all, once per kind of server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue(f"empty_{request.param}_url")


@pytest.fixture
def empty_postgres_url(postgres_url) -> str:
    return postgres_url


# The tables bot revisions after the baseline create: an adopted database gets only these.
LATER_TABLES = {"bot_login_attempts", "bot_complaints", "bot_complaint_replies",
                "bot_complaint_drafts", "bot_received_files", "bot_staff_link_codes",
                "bot_staff_alerts"}


def created_tables(out: str) -> set[str]:
    """The tables init-db said it created."""
    return {line.split()[-1] for line in out.splitlines()
            if line.strip().startswith("created table")}


def diff(engine, tables=MODEL_TABLES) -> list:
    with engine.connect() as conn:
        return migrate.schema_diff(conn, tables)


def downgrade_bot_branch(engine) -> None:
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "bot@base")


# --- a database of our own: SQLite, MariaDB, PostgreSQL ----------------------------------------


def test_upgrade_makes_exactly_the_models_then_nothing(empty_url, engine_for):
    engine = engine_for(empty_url)
    assert sorted(migrate.upgrade(engine).applied) == REVISIONS
    assert table_names(engine) == MIGRATED_TABLES
    assert diff(engine) == []
    assert versions(engine) == HEADS
    before = shapes(engine)
    assert migrate.upgrade(engine).applied == []
    assert shapes(engine) == before


def test_bot_branch_down_and_up_leaves_the_registry(empty_url, engine_for):
    assert main(["seed-demo"], environ={"DATABASE_URL": empty_url}) == 0
    engine = engine_for(empty_url)
    registry = rows(engine, OPENSID_TABLES)
    downgrade_bot_branch(engine)
    assert table_names(engine) == OPENSID_TABLES | {migrate.VERSION_TABLE}
    assert versions(engine) == {"opensid_0002"}
    assert rows(engine, OPENSID_TABLES) == registry
    assert migrate.upgrade(engine).applied == BOT_REVISIONS
    assert table_names(engine) == MIGRATED_TABLES and diff(engine) == []
    assert rows(engine, OPENSID_TABLES) == registry


def test_a_database_from_before_migrations_is_adopted(empty_url, engine_for, capsys):
    engine = engine_for(empty_url)
    make_pre_migrations_database(engine)
    before = rows(engine, OPENSID_TABLES)
    counts = row_counts(engine, BOT_TABLES_AT_BASELINE)
    assert main(["init-db"], environ={"DATABASE_URL": empty_url}) == 0
    out = capsys.readouterr().out
    assert "adopted a database made before migrations" in out
    assert "applied migration opensid_0001" in out and "applied migration bot_0001" not in out
    assert "applied migration bot_0002" in out  # the baseline stamped, later ones run
    assert created_tables(out) == LATER_TABLES and "filled" not in out
    assert versions(engine) == HEADS and diff(engine) == []
    assert table_names(engine) == MIGRATED_TABLES
    assert rows(engine, OPENSID_TABLES) == before
    assert row_counts(engine, BOT_TABLES_AT_BASELINE) == counts
    assert counts["bot_audit"] and counts["bot_staff"]


# --- beside a real OpenSID: its demo dump on MariaDB ------------------------------------------


def show_create(engine, tables) -> dict[str, str]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SHOW CREATE TABLE `{t}`")).one()[1] for t in tables}


def checksums(engine, tables) -> dict[str, int]:
    with engine.connect() as conn:
        listed = ", ".join(f"`{t}`" for t in sorted(tables))
        return dict(conn.execute(text(f"CHECKSUM TABLE {listed}")).all())


def test_beside_opensid_only_bot_tables_come_and_go(opensid_db_url, engine_for):
    engine = engine_for(opensid_db_url)
    opensid = table_names(engine)
    assert OPENSID_TABLES <= opensid and not opensid & BOT_TABLES
    ddl, counts = show_create(engine, opensid), row_counts(engine, opensid)
    sums = checksums(engine, opensid)

    assert sorted(migrate.upgrade(engine).applied) == REVISIONS
    assert migrate.upgrade(engine).applied == []
    assert table_names(engine) == opensid | BOT_TABLES | {migrate.VERSION_TABLE}
    assert diff(engine, BOT_TABLES) == []
    assert show_create(engine, opensid) == ddl
    assert row_counts(engine, opensid) == counts and checksums(engine, opensid) == sums

    downgrade_bot_branch(engine)
    assert table_names(engine) == opensid | {migrate.VERSION_TABLE}
    assert versions(engine) == {"opensid_0002"}
    assert show_create(engine, opensid) == ddl and checksums(engine, opensid) == sums


def test_beside_opensid_a_pre_migrations_install_is_adopted(opensid_db_url, engine_for, capsys):
    engine = engine_for(opensid_db_url)
    make_pre_migrations_database(engine, standalone=False)
    with engine.begin() as conn:  # a resident linked by the bot before migrations
        conn.execute(text("UPDATE tweb_penduduk SET telegram = '5201' WHERE id = 1"))
    existing = table_names(engine)
    opensid = existing - BOT_TABLES  # later bot revisions alter only the bot_ tables
    ddl, sums = show_create(engine, opensid), checksums(engine, opensid)

    assert main(["init-db"], environ={"DATABASE_URL": opensid_db_url}) == 0
    out = capsys.readouterr().out
    assert "adopted a database made before migrations" in out
    assert created_tables(out) == LATER_TABLES and "filled" not in out
    assert table_names(engine) == existing | LATER_TABLES | {migrate.VERSION_TABLE}
    assert versions(engine) == HEADS and diff(engine, BOT_TABLES) == []
    assert show_create(engine, opensid) == ddl and checksums(engine, opensid) == sums
