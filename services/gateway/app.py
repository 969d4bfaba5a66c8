"""Application factory of the webhook gateway."""

from __future__ import annotations

import atexit
import re

from flask import Flask, jsonify

from libs import metrics
from libs.config import Settings
from libs.publishing import Publisher
from libs.revocations import RevocationFollower, RevocationList

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


def create_app(settings: Settings | None = None, publisher=None,
               revocations: RevocationList | None = None) -> Flask:
    """The gateway app; the broker connections are made lazily, per process: the publisher's on
    first use, the revocation follower's when it is started (by `python -m services.gateway`
    in each worker, else by the first /verify). `revocations`: a fixed list, followed by none."""
    settings = settings or Settings.from_env()
    if not settings.telegram_webhook_secret:
        raise SystemExit(
            "TELEGRAM_WEBHOOK_SECRET is not set: the gateway will not accept unauthenticated "
            "updates. Set it to a random string and pass the same value to setWebhook."
        )
    if not SECRET_TOKEN.fullmatch(settings.telegram_webhook_secret):
        raise SystemExit(
            "TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 of them): "
            "Telegram sends no other secret_token."
        )
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["settings"] = settings
    if publisher is None:
        publisher = Publisher(settings, name="gateway (webhook)")
        atexit.register(publisher.close)  # a clean goodbye to the broker when a worker exits
    app.extensions["publisher"] = publisher
    if revocations is None:
        follower = RevocationFollower(settings)
        atexit.register(follower.stop)
        app.extensions["revocation_follower"] = follower
        revocations = follower.revocations
    app.extensions["revocations"] = revocations
    metrics.show_gateway()

    from services.gateway.verify import bp as verify_bp
    from services.gateway.webhook import bp

    app.register_blueprint(bp)
    app.register_blueprint(verify_bp)

    @app.errorhandler(413)
    def too_large(_error):
        metrics.REFUSED.labels("too_large").inc()
        return jsonify(ok=False, error="body too large"), 413

    @app.errorhandler(404)
    def not_found(_error):
        return jsonify(ok=False, error="not found"), 404

    @app.errorhandler(405)
    def not_allowed(_error):
        return jsonify(ok=False, error="method not allowed"), 405

    return app
