"""Alembic migrations of the SIADES schema, run by init-db (libs/siades/migrations/).

Two branches in one script directory, versioned in one table of our own, `bot_alembic_version`
(a row per branch):

- `bot`: the service's own bot_ tables, a real history from `bot_0001` (what bot_models declared
  when migrations began). Downgrading it to base drops the bot_ tables and nothing else.
- `opensid`: OpenSID's tables for a database without OpenSID (the demo, SQLite, PostgreSQL).
  Its revisions only create what is absent, so beside a real OpenSID they create nothing and
  alter nothing: OpenSID's own migrations (its `migrasi` table) own OpenSID's schema. Its
  downgrade drops nothing: those tables hold the village's registry.

Two branches, not one line, because the bot's history must go down to base without touching the
registry, and because "only where absent" is right for OpenSID's tables and wrong for ours (a bot
revision that silently skipped an existing table would hide a broken database). One version
table, not two, because then one `upgrade heads` and one `alembic history` cover both, with one
script directory and one env.py; its bot_ prefix keeps it clear of anything OpenSID has.

A database made by init-db before migrations (create_all, no version table) is adopted: bot_
tables present and no `bot` revision recorded means it is run up to the baseline `bot_0001` in
adopting mode, which creates only the bot_ tables it lacks and records the revision (a stamp when
it has them all); then every branch is upgraded as usual. No row is read or written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import URL

from libs.siades.base import Base, generation_columns

VERSION_TABLE = "bot_alembic_version"
BOT_BASELINE = "bot_0001"
SCRIPT_LOCATION = Path(__file__).with_name("migrations")


@dataclass
class MigrationReport:
    """What upgrade did: whether it adopted a pre-migrations database, the revisions applied."""

    adopted: bool = False
    applied: list[str] = field(default_factory=list)


def alembic_config(connection: Connection | None = None, *, url: str | URL | None = None,
                   stdout: TextIO | None = None) -> Config:
    """An Alembic Config on our migrations, for a connection, a URL (offline) or DATABASE_URL."""
    config = Config(stdout=stdout or sys.stdout)
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes.update(connection=connection, url=url)
    return config


def upgrade(engine: Engine, target: str = "heads") -> MigrationReport:
    """Adopt a database made before migrations, then upgrade to `target` (every branch's head)."""
    report = MigrationReport()
    with engine.begin() as connection:
        config = alembic_config(connection)
        if needs_adoption(connection, config):
            config.attributes["adopting"] = report.adopted = True
            command.upgrade(config, BOT_BASELINE)
            config.attributes["adopting"] = False
        config.attributes["applied"] = report.applied  # what ran after adopting, if it did
        command.upgrade(config, target)
    return report


def needs_adoption(connection: Connection, config: Config) -> bool:
    """True for a database whose bot_ tables init-db made before migrations: no bot revision."""
    bot_revisions = {
        script.revision
        for script in ScriptDirectory.from_config(config).iterate_revisions("bot@head", "base")
    }
    if set(current_revisions(connection)) & bot_revisions:
        return False
    return any(name.startswith("bot_") and name != VERSION_TABLE
               for name in inspect(connection).get_table_names())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revision each branch of this database is at (none before migrations)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_heads()


def head_revisions() -> tuple[str, ...]:
    """The newest revision of each branch."""
    return ScriptDirectory.from_config(alembic_config()).get_heads()


def write_sql(url: str | URL, target: str = "heads", stdout: TextIO | None = None) -> None:
    """Write the SQL that upgrading an empty schema to `target` runs, without connecting."""
    command.upgrade(alembic_config(url=url, stdout=stdout), target, sql=True)


def only_tables(keep: Callable[[str], bool]) -> dict:
    """Alembic's include_name/include_object options that compare only the tables `keep` takes."""
    return {
        "include_name": lambda name, type_, _parents: type_ != "table" or keep(name),
        "include_object": lambda obj, name, type_, _reflected, _other:
            type_ != "table" or keep(name),
    }


def schema_diff(connection: Connection, tables: Collection[str]) -> list:
    """What autogenerate finds between the database and the models, for `tables` only; the
    columns only one generation of OpenSID has (libs/siades/base.py) are left out."""
    one_generation = generation_columns()
    keep = only_tables(lambda name: name in tables)
    include_object = keep["include_object"]

    def include(obj, name, type_, reflected, other) -> bool:
        if type_ == "column" and (obj.table.name, name) in one_generation:
            return False
        return include_object(obj, name, type_, reflected, other)

    context = MigrationContext.configure(connection, opts={
        "target_metadata": Base.metadata, "version_table": VERSION_TABLE,
        **keep, "include_object": include,
    })
    return compare_metadata(context, Base.metadata)
