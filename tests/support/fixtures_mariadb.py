"""pytest plugin: a private MariaDB server for the session, and fresh OpenSID demo databases.

OpenSID 22.12 (`opensid_db_url`) and v2410 (`opensid_v2410_db_url`, `two_village_v2410`: the
demo plus a second village in the same database, see tests/support/opensid_villages.py).
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
from tests.support.opensid_villages import TwoVillages, add_second_village
from tests.support.servers import private_server

REPO = Path(__file__).resolve().parents[2]
OPENSID_DUMP = REPO.parent / "shared" / "opensid" / "contoh_data_awal_20221201.sql"
# The real OpenSID v2410 package: application, migrated demo dump, start.sh, admin.py.
OPENSID_V2410_DIR = REPO.parent / "shared" / "opensid" / "v2410"
OPENSID_V2410_DUMP = OPENSID_V2410_DIR / "opensid_v2410_demo.sql"

_database_numbers = itertools.count(1)


def unique_database_name(prefix: str) -> str:
    """A database name not used before in this test session."""
    return f"{prefix}_{next(_database_numbers)}"


def skip_or_fail(reason: str) -> None:
    """Skip the test with `reason`; in CI (env CI set), where everything must be present, fail."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_opensid_dump() -> Path:
    """The OpenSID 22.12 demo dump; skip without it (fail in CI, where it must be present)."""
    if not OPENSID_DUMP.is_file():
        skip_or_fail(f"OpenSID demo dump not found at {OPENSID_DUMP}")
    return OPENSID_DUMP


def require_opensid_v2410_dump() -> Path:
    """The OpenSID v2410 demo dump; skip without it (fail in CI, where it must be present)."""
    if not OPENSID_V2410_DUMP.is_file():
        skip_or_fail(f"OpenSID v2410 demo dump not found at {OPENSID_V2410_DUMP}")
    return OPENSID_V2410_DUMP


def load_opensid_database(server: MariaDBServer, name: str | None = None) -> str:
    """Create a database loaded with the OpenSID demo dump and return its SQLAlchemy URL."""
    dump = require_opensid_dump()
    name = name or unique_database_name("opensid")
    server.create_database(name)
    server.load_sql(name, dump)
    return server.url(name)


def load_opensid_v2410_database(server: MariaDBServer, name: str | None = None) -> str:
    """Create a database loaded with the OpenSID v2410 demo dump and return its SQLAlchemy URL.

    About 1.2 s: 246 tables (utf8mb3, with foreign keys) and 6 views; village 1 "Senggig1 ".
    """
    dump = require_opensid_v2410_dump()
    name = name or unique_database_name("opensid_v2410")
    server.create_database(name)
    server.load_sql(name, dump)
    return server.url(name)


def drop_database(server: MariaDBServer, name: str) -> None:
    """Drop a test's database (a v2410 dump is 28 MB); leave it if something still holds it."""
    # A session left open in a transaction would make DROP wait for its lock for a year.
    try:
        server.execute(f"SET SESSION lock_wait_timeout = 5; DROP DATABASE IF EXISTS `{name}`")
    except MariaDBError:
        pass  # the server and all its databases go at the end of the session anyway


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
def opensid_v2410_db_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """URL of a fresh database holding OpenSID v2410's migrated demo (village 1, 97 residents)."""
    name = unique_database_name("opensid_v2410")
    yield load_opensid_v2410_database(mariadb_server, name)
    drop_database(mariadb_server, name)


@pytest.fixture(scope="session")
def opensid_v2410_readonly_url(mariadb_server: MariaDBServer) -> str:
    """One v2410 demo database shared by the whole session: only for tests that never write."""
    return load_opensid_v2410_database(mariadb_server, unique_database_name("opensid_v2410_ro"))


@pytest.fixture
def two_village_v2410(mariadb_server: MariaDBServer) -> Iterator[TwoVillages]:
    """A fresh v2410 demo database plus a second village (config 2); yields its facts and URL."""
    name = unique_database_name("opensid_v2410_two")
    yield add_second_village(load_opensid_v2410_database(mariadb_server, name))
    drop_database(mariadb_server, name)


@pytest.fixture
def two_village_v2410_url(two_village_v2410: TwoVillages) -> str:
    """URL of the two-village v2410 database of `two_village_v2410` (the same one in a test)."""
    return two_village_v2410.url


@pytest.fixture(scope="session")
def two_village_v2410_readonly(mariadb_server: MariaDBServer) -> TwoVillages:
    """One two-village v2410 database for the whole session: only for tests that never write."""
    url = load_opensid_v2410_database(mariadb_server, unique_database_name("opensid_v2410_two_ro"))
    return add_second_village(url)


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
