"""A Flask app under gunicorn (gthread workers), configured in code instead of a command line."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from libs.logs import setup_logging


class FlaskUnderGunicorn(BaseApplication):
    """Serves `factory()` on `bind`; each worker process builds its own app (after fork)."""

    def __init__(self, name: str, factory: Callable[[], Flask], *, bind: str, workers: int,
                 threads: int, timeout: int, log_level: str):
        self.name, self.factory, self.log_level = name, factory, log_level
        self.options = {"bind": bind, "workers": workers, "threads": threads,
                        "timeout": timeout}
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        # gunicorn's control socket would live in $HOME; nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self):
        setup_logging(self.name, self.log_level)
        return self.factory()
