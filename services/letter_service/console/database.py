"""One database session per request, opened on first use and closed at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from libs.config import Settings
from libs.siades.village import VillageError, connect


class Sessions:
    """The console's session factory, scoped to the village. Made at start; where the database
    is away then, at the first request that finds it, so the console starts anyway and
    /healthz says what is wrong. A database that does not say which village to serve stops
    the console at start."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._factory: sessionmaker[Session] | None = None
        try:
            self._connect()
        except VillageError as exc:
            raise SystemExit(f"cannot start: {exc}") from None
        except OperationalError:
            pass  # the first request tries again

    def _connect(self) -> sessionmaker[Session]:
        if self._factory is None:
            self._factory = connect(self.settings.database_url, self.settings.village_code,
                                    wait=False).sessions
        return self._factory

    def __call__(self) -> Session:
        return self._connect()()


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
