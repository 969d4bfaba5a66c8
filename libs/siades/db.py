"""Engines and sessions for SQLite, MariaDB/MySQL and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
MYSQL_POOL_RECYCLE_S = 1800  # under MariaDB's wait_timeout, which hosts often lower

_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
            "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL, filling in the drivers we ship (psycopg 3, pymysql)."""
    parsed = make_url(url)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def make_engine(url: str | URL) -> Engine:
    """Create an Engine tuned for the backend the URL names."""
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend in ("mysql", "mariadb"):
        extra = {"connect_args": {"conv": _pymysql_conversions()}} \
            if parsed.get_driver_name() == "pymysql" else {}
        return create_engine(parsed, pool_pre_ping=True, pool_recycle=MYSQL_POOL_RECYCLE_S,
                             **extra)
    return create_engine(parsed, pool_pre_ping=True)


def _pymysql_conversions() -> dict:
    """pymysql's conversions, with a RequestState sent as the number it is: pymysql picks an
    encoder by exact type, and would quote an IntEnum as a string ('3')."""
    from pymysql import converters

    from libs.vocabulary.states import RequestState

    return {**converters.conversions, RequestState: lambda value, _mapping=None: str(int(value))}


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # The sqlite3 module's own transaction handling breaks SAVEPOINT and starts transactions
    # lazily as readers; we take over and begin them ourselves (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers run while one worker writes; busy_timeout makes writers queue
        # instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock up front: two workers never both read, then both try to
    # write and fail with "database is locked"; the second one waits (busy_timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
