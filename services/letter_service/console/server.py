"""The staff console under gunicorn (gthread), configured from Settings."""

from __future__ import annotations

from libs.config import Settings
from libs.serving import FlaskUnderGunicorn, share_metrics_between_workers
from services.letter_service.console.app import create_console, require_secret

WORKERS = 2  # a village office has a handful of staff
THREADS = 4


def serve(settings: Settings) -> None:
    """Run the console in the foreground on CONSOLE_BIND until SIGTERM/SIGINT."""
    require_secret(settings)  # fail fast, before forking (and before the exec below)
    share_metrics_between_workers()
    FlaskUnderGunicorn("console", lambda: create_console(settings), bind=settings.console_bind,
                       workers=WORKERS, threads=THREADS, timeout=60,  # signing renders a PDF
                       log_level=settings.log_level, log_format=settings.log_format).run()
