"""The one declarative Base every SIADES table (OpenSID's and the bot's) belongs to."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# PostgreSQL and SQLite want index names unique per schema, and OpenSID reuses names
# (`no_kk` on two tables), so names are derived from the table instead of copied.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

MYSQL_TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


class Base(DeclarativeBase):
    """Declarative base with portable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
