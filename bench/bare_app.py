"""The ingest benchmark's yardstick: a Flask endpoint that reads the body and answers 200, under
the gateway's own gunicorn settings (GATEWAY_BIND, GATEWAY_WORKERS, GATEWAY_THREADS).

    python -m bench.bare_app
"""

from __future__ import annotations

from flask import Flask, jsonify, request

from libs.config import Settings
from libs.serving import FlaskUnderGunicorn


def create_app() -> Flask:
    """POST /telegram/webhook -> 200 {"ok": true}; GET /healthz -> 200."""
    app = Flask(__name__)

    @app.post("/telegram/webhook")
    def webhook():
        request.get_data(cache=False)
        return jsonify(ok=True)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app


def main() -> None:
    settings = Settings.from_env()
    FlaskUnderGunicorn("bare_app", create_app, bind=settings.gateway_bind,
                       workers=settings.gateway_workers, threads=settings.gateway_threads,
                       timeout=30, log_level=settings.log_level).run()


if __name__ == "__main__":
    main()
