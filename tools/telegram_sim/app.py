"""The fake Telegram Bot API server's Flask application factory."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from tools.telegram_sim import botapi, control, web
from tools.telegram_sim.limits import Limits
from tools.telegram_sim.simulator import Simulator

MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for files bots upload


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without its access log: Bot API paths hold the token."""

    def log_request(self, code="-", size="-") -> None:
        """Log nothing; botapi logs each call without the token."""


def create_app(token: str, *, retry_base_delay: float = 0.5, retry_max_delay: float = 10.0,
               webhook_timeout: float = 60.0, limits: Limits | None = None,
               clock: Callable[[], float] = time.monotonic) -> Flask:
    """A simulator for the bot with this token; close it with app.extensions[...].close().

    `limits`: Telegram's flood limits (default: on, Telegram's figures); `clock`: the monotonic
    clock of the limits and of fault windows (tests may drive their own).
    """
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    app.json.sort_keys = False
    app.extensions["telegram_sim"] = Simulator(
        token, retry_base_delay=retry_base_delay, retry_max_delay=retry_max_delay,
        webhook_timeout=webhook_timeout, limits=limits, clock=clock)
    app.register_blueprint(botapi.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(web.bp)
    return app
