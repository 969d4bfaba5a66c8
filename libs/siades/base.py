"""The one declarative Base every SIADES table (OpenSID's and the bot's) belongs to, and the
columns that only newer OpenSID databases have."""

from __future__ import annotations

from sqlalchemy import Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.schema import FetchedValue

# PostgreSQL and SQLite want index names unique per schema, and OpenSID reuses names
# (`no_kk` on two tables), so names are derived from the table instead of copied.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

MYSQL_TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

# Column.info keys of a column only one generation of OpenSID has: added after 22.12 (the
# value: the first release we know has it), or dropped after it (the last release with it).
# Such a column is mapped wherever the database has it and left alone where it does not.
NEWER = "opensid_since"
OLDER = "opensid_until"


class Base(DeclarativeBase):
    """Declarative base with portable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def newer_column(name: str, type_, since: str = "23.12", **kw) -> MappedColumn:
    """A column that only OpenSID `since` and later has (init-db, which makes 22.12's shape,
    creates none): deferred, so no SELECT names it unless it is read, and a FetchedValue
    default, so no INSERT names it unless it is set. The same model then reads and writes both
    generations of the schema."""
    return _one_generation(name, type_, {NEWER: since}, **kw)


def older_column(name: str, type_, until: str = "22.12", **kw) -> MappedColumn:
    """A column OpenSID dropped after `until`, mapped like a newer one (with a `default`, every
    INSERT names it: only for tables the bot writes only where the database is that old)."""
    return _one_generation(name, type_, {OLDER: until}, **kw)


def _one_generation(name: str, type_, info: dict, **kw) -> MappedColumn:
    return mapped_column(name, type_, deferred=True, server_default=FetchedValue(), info=info,
                         **kw)


def generation_columns(metadata: MetaData = Base.metadata) -> set[tuple[str, str]]:
    """(table, column) of every column the models map that only one generation has."""
    return {(table.name, column.name) for table in metadata.tables.values()
            for column in table.columns if NEWER in column.info or OLDER in column.info}


class VillageRow:
    """A row that belongs to one village: OpenSID >= 23.12 keeps several villages in one
    database and says whose a row is in `config_id` (-> config.id). libs/siades/village.py
    scopes every read of these tables to the village served and stamps every insert."""

    # eager_defaults off: fetching server defaults after an INSERT would name config_id in a
    # RETURNING clause, which a 22.12 database refuses.
    __mapper_args__ = {"eager_defaults": False}
    config_id: Mapped[int | None] = newer_column("config_id", Integer)


class SharedVillageRow:
    """Like VillageRow, except that a row with `config_id` NULL belongs to every village of
    the database (OpenSID's assistance programs)."""

    __mapper_args__ = {"eager_defaults": False}
    config_id: Mapped[int | None] = newer_column("config_id", Integer)
