"""How every long-running process starts and stops: Settings, logging, the village database
when it needs one, SIGTERM/SIGINT, the metrics server, and closing what it opened.

    with runtime.started("notifier") as process:   # Settings.from_env(), setup_logging
        sessions = process.database().sessions      # connected here, disposed at the end
        dispatcher = Dispatcher(process.settings, sessions, make_client)
        process.run(dispatcher.run, stop=dispatcher.stop, health=dispatcher.health)

A signal's handler asks the loop to finish; once it returns the process exits 0. A start that
cannot go on (a setting, a database without a village) raises SystemExit with the reason. The
apps under gunicorn (the gateway's webhook, the console) take only their settings and logging
from here: gunicorn has its own signals, and the apps serve their own /metrics.

The gateway runs on this module, so it imports neither SQLAlchemy nor libs.siades: the
database module is loaded only by a process that asks for the database.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

from libs import metrics
from libs.config import Settings
from libs.logs import setup_logging

if TYPE_CHECKING:
    from libs.siades.village import Database

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Process:
    """One running service: its settings, and what it opened, closed (last first) at the end."""

    def __init__(self, name: str, settings: Settings):
        self.name, self.settings = name, settings
        self._database: Database | None = None
        self._opened = ExitStack()

    def database(self) -> Database:
        """The village database, connected on first use (waiting until it answers; one that
        does not say which village to serve stops the process); its engine disposed at the
        end."""
        if self._database is None:
            from libs.siades.village import connect_or_exit  # not at import: see the top

            self._database = connect_or_exit(self.settings)
            self._opened.callback(self._database.engine.dispose)
        return self._database

    def closing(self, thing: C) -> C:
        """`thing` (a publisher, say), closed when the process ends."""
        self._opened.callback(thing.close)
        return thing

    def run(self, loop: Callable[[], None], *, health: metrics.Health,
            stop: Callable[..., None] | None) -> None:
        """Run `loop` until it returns: SIGTERM and SIGINT call `stop(signum, frame)` (None: the
        loop installed its own handler), GET /metrics and /healthz (`health`) on METRICS_PORT
        meanwhile."""
        if stop is not None:
            for signum in STOP_SIGNALS:
                signal.signal(signum, stop)
        server = metrics.serve(self.settings.metrics_port, health)
        try:
            loop()
        finally:
            metrics.close(server)

    def close(self) -> None:
        """Close what the process opened, the last opened first."""
        self._opened.close()


@contextmanager
def started(name: str) -> Iterator[Process]:
    """Start process `name`: read Settings from the environment, log as `name`; when the block
    ends (normally or not), close what it opened."""
    settings = Settings.from_env()
    setup_logging(name, settings.log_level, settings.log_format)
    process = Process(name, settings)
    try:
        yield process
    finally:
        process.close()
