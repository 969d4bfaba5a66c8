"""Snapshots of a database's tables and rows, to show what a command changed and what it left."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from alembic import command
from sqlalchemy import Engine, insert, inspect, text

from libs.siades import migrate
from libs.siades.base import NEWER, Base
from libs.siades.bot_models import AuditEntry
from libs.siades.db import make_session_factory, session_scope
from libs.siades.demo import insert_demo_village
from libs.siades.letter_forms import ensure_formats
from libs.siades.lookups import LOOKUPS
from libs.siades.migrate import VERSION_TABLE
from libs.siades.migrations.versions.bot_0001_initial import TABLES as BASELINE_TABLES
from libs.siades.models import LOOKUP_MODELS

MODEL_TABLES = set(Base.metadata.tables)
BOT_TABLES = {name for name in MODEL_TABLES if name.startswith("bot_")}
OPENSID_TABLES = MODEL_TABLES - BOT_TABLES
BOT_TABLES_AT_BASELINE = set(BASELINE_TABLES)  # what init-db made before migrations
MIGRATED_TABLES = MODEL_TABLES | {VERSION_TABLE}


def table_names(engine: Engine) -> set[str]:
    """The names of the database's tables."""
    return set(inspect(engine).get_table_names())


def shapes(engine: Engine, tables: Iterable[str] | None = None) -> dict[str, tuple]:
    """Each table's columns, primary key, indexes and unique constraints, as reflected."""
    inspector = inspect(engine)
    names = sorted(inspector.get_table_names() if tables is None else tables)
    return {
        name: (
            [(c["name"], repr(c["type"]), c["nullable"], c.get("default"))
             for c in inspector.get_columns(name)],
            inspector.get_pk_constraint(name)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                   for i in inspector.get_indexes(name)),
            sorted((u["name"] or "", tuple(u["column_names"]))
                   for u in inspector.get_unique_constraints(name)),
        )
        for name in names
    }


def rows(engine: Engine, tables: Iterable[str]) -> dict[str, list]:
    """Every row of the tables, in a stable order."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as conn:
        return {
            name: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {quote(name)}"))), key=repr)
            for name in tables
        }


def row_counts(engine: Engine, tables: Iterable[str]) -> dict[str, int]:
    """How many rows each table has."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as conn:
        return {
            name: conn.scalar(text(f"SELECT COUNT(*) FROM {quote(name)}")) for name in tables
        }


def versions(engine: Engine) -> set[str]:
    """The revisions recorded in our version table."""
    with engine.connect() as conn:
        return set(conn.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def make_baseline_bot_tables(engine: Engine, tables: Iterable[str]) -> None:
    """The bot_ tables as init-db made them before migrations: bot_0001's shape, unversioned."""
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), migrate.BOT_BASELINE)
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for name in sorted(BOT_TABLES_AT_BASELINE - set(tables)):
            conn.execute(text(f"DROP TABLE {quote(name)}"))
        conn.execute(text(f"DROP TABLE {quote(VERSION_TABLE)}"))


def drop_generation_columns(engine: Engine, tables: Iterable[str], marker: str) -> None:
    """Drop from `tables` the columns create_all made that only one generation of OpenSID has
    (marker NEWER: leave 22.12's shape; OLDER: 23.12+'s)."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for name in tables:
            for column in Base.metadata.tables[name].columns:
                if marker in column.info:
                    conn.execute(text(f"ALTER TABLE {quote(name)} DROP COLUMN "
                                      f"{quote(column.name)}"))


def make_pre_migrations_database(engine: Engine, bot_tables: Iterable[str] | None = None, *,
                                 standalone: bool = True) -> None:
    """What init-db and some service made before migrations: create_all, lookups, rows."""
    # Beside OpenSID (standalone=False): only the bot_ tables, their rows, the letter formats.
    bot_tables = sorted(BOT_TABLES_AT_BASELINE if bot_tables is None else bot_tables)
    opensid_tables = sorted(OPENSID_TABLES) if standalone else []
    Base.metadata.create_all(engine,
                             tables=[Base.metadata.tables[name] for name in opensid_tables])
    drop_generation_columns(engine, opensid_tables, NEWER)  # create_all made 22.12's shape then
    make_baseline_bot_tables(engine, bot_tables)
    with session_scope(make_session_factory(engine)) as session:
        if standalone:
            for model in LOOKUP_MODELS:
                session.execute(insert(model), [{"id": id_, "name": name}
                                                for id_, name in LOOKUPS[model.__tablename__]])
        ensure_formats(session)
        if standalone:
            insert_demo_village(session)
        session.add(AuditEntry(actor="operator", action="registered", detail="1 chat"))
        if "bot_staff" in bot_tables:
            # By hand: the model has columns that came later (bot_0002's must_change_password).
            session.execute(text(
                "INSERT INTO bot_staff (username, full_name, role, password_hash, active,"
                " created_at) VALUES ('sari', 'Sari', 'operator', 'x', :yes, :now)"),
                {"yes": True, "now": datetime(2026, 11, 1)})
