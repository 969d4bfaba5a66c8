"""One database session per request, opened on first use and closed at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def db() -> Session:
    """This request's database session."""
    if "db" not in g:
        g.db = current_app.extensions["console_sessions"]()
    return g.db


def close_db(_error=None) -> None:
    """Close the request's session; whatever was not committed is rolled back."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
