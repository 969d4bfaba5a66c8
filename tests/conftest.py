"""Shared fixtures: a real RabbitMQ node for the whole run, a fresh vhost and database per test."""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

from libs.siades import accounts
from libs.siades.db import make_engine, make_session_factory
from tests.support.rabbit import Broker, free_port
from tools.rabbitmq_node import RabbitNode

pytest_plugins = [
    "tests.support.fixtures_mariadb",
    "tests.support.fixtures_opensid",
    "tests.support.fixtures_postgres",
    "tests.support.markers",  # marks each test by the servers its fixtures start
]


CHEAP_SCRYPT = "scrypt:1024:8:1"  # n=2**10: about 4 ms a hash instead of 0.13 s


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Staff passwords hashed by scrypt at a low cost within the test process: the console tests
    hash and check hundreds, and what they test is the accounts' rules, not scrypt's cost."""
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", CHEAP_SCRYPT)
    auth = sys.modules.get("services.letter_service.console.auth")
    if auth is not None:  # checked against for an unknown username, to take as long
        monkeypatch.setattr(auth, "_DUMMY_HASH", accounts.hash_password("not a password"))


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A RabbitMQ node started by the test run itself, on loopback (never mocked)."""
    port = free_port()
    node = RabbitNode(tmp_path_factory.mktemp("rabbitmq"), port=port,
                      management_port=free_port(), dist_port=free_port(), name="test")
    try:
        node.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))  # in CI a missing broker is a failure, never a skip
    yield Broker(node)
    node.stop()


@pytest.fixture
def amqp_url(broker):
    """A fresh virtual host: nothing a previous test declared or left is visible."""
    url = broker.new_vhost()
    yield url
    broker.delete_vhost(url)


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file made by init-db and seed-demo for the whole run, to copy from."""
    from libs.siades.cli import init_db, seed_demo

    path = tmp_path_factory.mktemp("siades-template") / "siades.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    seed_demo(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(seeded_sqlite_template, tmp_path):
    """A SIADES database file of the test's own, holding the seeded demo village."""
    path = tmp_path / "siades.db"
    # The backup API copies a consistent database, pages still in a -wal file included.
    with closing(sqlite3.connect(seeded_sqlite_template)) as source, \
            closing(sqlite3.connect(path)) as target:
        source.backup(target)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request, sqlite_url):
    """The seeded demo village, once on SQLite and once on MariaDB."""
    if request.param == "sqlite":
        return sqlite_url
    return request.getfixturevalue("seeded_mariadb_url")


@pytest.fixture
def session_factory(sqlite_url):
    """Sessions on the seeded SQLite database."""
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def pytest_report_header(config):
    return f"CI={os.environ.get('CI', '')}"


@pytest.fixture
def engine_for():
    """make_engine(url) whose engines are disposed of after the test."""
    engines = []

    def make(url):
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()
