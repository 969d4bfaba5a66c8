"""The staff console under gunicorn (gthread), configured from Settings."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from libs.config import Settings
from libs.logs import setup_logging
from services.letter_service.console.app import create_console, require_secret

WORKERS = 2  # a village office has a handful of staff
THREADS = 4


class Console(BaseApplication):
    """gunicorn, configured from Settings instead of its command line."""

    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        self.cfg.set("bind", self.settings.console_bind)
        self.cfg.set("workers", WORKERS)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", THREADS)
        self.cfg.set("timeout", 60)  # signing renders a PDF
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        self.cfg.set("control_socket_disable", True)

    def load(self):
        setup_logging("console", self.settings.log_level)
        return create_console(self.settings)


def serve(settings: Settings) -> None:
    """Run the console in the foreground on CONSOLE_BIND until SIGTERM/SIGINT."""
    require_secret(settings)  # fail fast, before forking
    Console(settings).run()
