"""Engines, URLs and sessions (libs/siades/db.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from libs.siades.bot_models import AuditEntry
from libs.siades.db import make_engine, make_session_factory, normalise_url, session_scope
from libs.siades.schema import init_db


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db/siades", "postgresql+psycopg://u:p@db/siades"),
        ("postgres://u:p@db/siades", "postgresql+psycopg://u:p@db/siades"),
        ("postgresql+psycopg://u@db/siades", "postgresql+psycopg://u@db/siades"),
        ("mysql://u:p@db/opensid", "mysql+pymysql://u:p@db/opensid?charset=utf8mb4"),
        ("mariadb://u@db/opensid", "mariadb+pymysql://u@db/opensid?charset=utf8mb4"),
        ("mysql+pymysql://u@db/opensid?charset=latin1", "mysql+pymysql://u@db/opensid?charset=latin1"),
        ("sqlite:///siades.db", "sqlite:///siades.db"),
    ],
)
def test_normalise_url_picks_shipped_drivers(url, expected):
    assert normalise_url(url).render_as_string(hide_password=False) == expected


def test_mysql_engine_checks_and_recycles_connections():
    engine = make_engine("mysql://u:p@db.invalid/opensid")  # no connection is made
    assert engine.dialect.driver == "pymysql"
    assert engine.pool._pre_ping
    assert 0 < engine.pool._recycle <= 3600
    assert engine.url.query["charset"] == "utf8mb4"


def test_postgresql_engine_uses_psycopg3():
    engine = make_engine("postgresql://u:p@db.invalid/siades")
    assert engine.dialect.driver == "psycopg"


def test_sqlite_engine_sets_wal_busy_timeout_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_relative_path_is_relative_to_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite:///relative.db")
    init_db(engine)
    engine.dispose()
    assert (tmp_path / "relative.db").is_file()


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'scope.db'}")
    init_db(engine)
    yield make_session_factory(engine)
    engine.dispose()


def test_session_scope_commits_and_objects_stay_readable(factory):
    with session_scope(factory) as session:
        entry = AuditEntry(actor="test", action="commit", detail="")
        session.add(entry)
    assert entry.action == "commit"  # expire_on_commit=False: no reload after close
    with session_scope(factory) as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["commit"]


def test_session_scope_rolls_back_on_exception(factory):
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(AuditEntry(actor="test", action="rollback", detail=""))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        assert session.scalars(select(AuditEntry)).all() == []
