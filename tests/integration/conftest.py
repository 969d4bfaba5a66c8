"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from libs.siades.cli import init_db, seed_demo
from libs.siades.db import make_engine


@pytest.fixture(params=["sqlite", "mariadb"])
def database_url(request, sqlite_url):
    """The seeded demo village, once on SQLite and once on MariaDB."""
    if request.param == "sqlite":
        return sqlite_url
    url = request.getfixturevalue("empty_mariadb_url")
    engine = make_engine(url)
    init_db(engine)
    seed_demo(engine)
    engine.dispose()
    return url
