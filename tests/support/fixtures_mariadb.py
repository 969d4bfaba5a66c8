"""pytest plugin: a private MariaDB server for the session, and fresh OpenSID demo databases.

Enable with `pytest_plugins = ["tests.support.fixtures_mariadb"]` in a conftest, or on the
command line with `-p tests.support.fixtures_mariadb`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mariadb import MariaDBError, MariaDBServer, find_binary
from tests.support.servers import private_server

REPO = Path(__file__).resolve().parents[2]
OPENSID_DUMP = REPO.parent / "shared" / "opensid" / "contoh_data_awal_20221201.sql"

_database_numbers = itertools.count(1)


def unique_database_name(prefix: str) -> str:
    """A database name not used before in this test session."""
    return f"{prefix}_{next(_database_numbers)}"


def require_opensid_dump() -> Path:
    """The OpenSID 22.12 demo dump; skip without it (fail in CI, where it must be present)."""
    if not OPENSID_DUMP.is_file():
        reason = f"OpenSID demo dump not found at {OPENSID_DUMP}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return OPENSID_DUMP


def load_opensid_database(server: MariaDBServer, name: str | None = None) -> str:
    """Create a database loaded with the OpenSID demo dump and return its SQLAlchemy URL."""
    dump = require_opensid_dump()
    name = name or unique_database_name("opensid")
    server.create_database(name)
    server.load_sql(name, dump)
    return server.url(name)


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """A mariadbd of our own for the whole session, stopped and removed at the end."""
    if find_binary("mariadbd") is None:
        pytest.fail("mariadbd not found: run `apt-get install mariadb-server`")
    yield from private_server(MariaDBServer, MariaDBError, "siades-mariadb-")


@pytest.fixture
def opensid_db_url(mariadb_server: MariaDBServer) -> str:
    """URL of a fresh database holding OpenSID 22.12's demo data (97 residents)."""
    return load_opensid_database(mariadb_server)


@pytest.fixture
def empty_mariadb_url(mariadb_server: MariaDBServer) -> str:
    """URL of a fresh, empty utf8mb4 database."""
    name = unique_database_name("empty")
    mariadb_server.create_database(name)
    return mariadb_server.url(name)


@pytest.fixture
def seeded_mariadb_url(empty_mariadb_url: str) -> str:
    """URL of a fresh database holding the seeded demo village (init-db, seed-demo)."""
    from libs.siades.cli import init_db, seed_demo
    from libs.siades.db import make_engine

    engine = make_engine(empty_mariadb_url)
    init_db(engine)
    seed_demo(engine)
    engine.dispose()
    return empty_mariadb_url
