"""pytest plugin: which real servers a test needs, derived from the fixtures it requests.

Loaded by tests/conftest.py (`pytest_plugins`). It adds these markers to every test whose
fixtures (transitively) include one of SERVER_FIXTURES, so `-m "not broker and ..."` selects
what runs with no server (`make test-fast`). A fixture that picks a server by its parameter
(`request.getfixturevalue`) marks that parameter: `pytest.param("mariadb",
marks=pytest.mark.mariadb)`; a test that starts a server unmarked fails at its setup.
tests/unit/test_server_markers.py fails when a fixture starts a server and no marker says so.
"""

from __future__ import annotations

import pytest

# The session fixtures that start a server, and the markers of a test that requests one.
SERVER_FIXTURES: dict[str, tuple[str, ...]] = {
    "broker": ("broker",),  # tests/conftest.py: RabbitMQ
    "mariadb_server": ("mariadb",),  # tests/support/fixtures_mariadb.py
    "postgres_server": ("postgres",),  # tests/support/fixtures_postgres.py
    "opensid_app": ("opensid", "mariadb"),  # tests/support/fixtures_opensid.py: PHP + MariaDB
    "browser": ("browser",),  # tests/browser/conftest.py: Chromium via Playwright
}

# What starts each server, as named in the tests' code; a test or fixture that starts one
# without a fixture above (its own node, `make run`) carries the marker explicitly.
STARTERS: dict[str, str] = {
    "RabbitNode": "broker",
    "own_node": "broker",
    "tools.run": "broker",  # `python -m tools.run` starts a RabbitMQ node of its own
    "MariaDBServer": "mariadb",
    "PostgresServer": "postgres",
    "OpenSIDApp": "opensid",
    "sync_playwright": "browser",
}

SERVER_MARKERS = sorted({m for markers in SERVER_FIXTURES.values() for m in markers})


def server_markers(fixturenames) -> set[str]:
    """The markers of a test that requests these fixtures (directly or through others)."""
    return {m for name in fixturenames for m in SERVER_FIXTURES.get(name, ())}


def pytest_collection_modifyitems(items):
    """Mark each test by the real servers its fixtures start."""
    for item in items:
        for marker in sorted(server_markers(getattr(item, "fixturenames", ()))):
            item.add_marker(marker)


_running: dict[str, pytest.Item] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _running["item"] = item


def pytest_fixture_setup(fixturedef, request):
    """A server started for a test that lacks its marker fails at once: without the marker,
    `make test-fast` would select that test and start (or wait for) the server.

    A plugin, not a conftest hook: a conftest's hooks miss the session-scoped fixtures.
    """
    item = _running.get("item")
    needed = SERVER_FIXTURES.get(fixturedef.argname, ())
    missing = [m for m in needed if item is not None and item.get_closest_marker(m) is None]
    if missing:
        pytest.fail(f"{item.nodeid} starts {fixturedef.argname} but is not marked "
                    f"{', '.join(missing)}: request it as a fixture, or mark the parameter "
                    "that requests it (tests/support/markers.py)", pytrace=False)
