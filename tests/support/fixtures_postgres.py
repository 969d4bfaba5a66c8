"""pytest plugin: a private PostgreSQL server for the session, and a fresh database per test.

Enable with `pytest_plugins = ["tests.support.fixtures_postgres"]` in a conftest, or on the
command line with `-p tests.support.fixtures_postgres`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support.postgres import INSTALL_HINT, PostgresError, PostgresServer, find_bin_dir
from tests.support.servers import private_server

_database_numbers = itertools.count(1)


def unique_database_name(prefix: str) -> str:
    """A database name not used before in this test session."""
    return f"{prefix}_{next(_database_numbers)}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A postgres of our own for the whole session, stopped and removed at the end."""
    if find_bin_dir() is None:
        pytest.fail(f"initdb and postgres not found: {INSTALL_HINT}")
    yield from private_server(PostgresServer, PostgresError, "siades-postgres-")


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a fresh, empty UTF8 database."""
    name = unique_database_name("siades")
    postgres_server.create_database(name)
    return postgres_server.url(name)
