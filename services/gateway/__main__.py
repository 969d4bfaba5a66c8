"""`python -m services.gateway [webhook | poll | setup]`: how updates get in.

    webhook (default)  the webhook app under gunicorn on GATEWAY_BIND
    poll               long polling: getUpdates into the same exchange, no public address needed
    setup              register the command menu and descriptions; with PUBLIC_URL, the webhook
"""

import argparse
import logging

from libs import metrics, runtime
from libs.config import Settings
from libs.errors import ServiceError
from libs.publishing import Publisher
from libs.serving import FlaskUnderGunicorn, share_metrics_between_workers
from libs.telegram import TelegramClient, Unauthorized
from services.gateway import bot_setup
from services.gateway.app import create_app
from services.gateway.poller import Poller

log = logging.getLogger("services.gateway")


def serve_webhook(settings: Settings) -> None:
    share_metrics_between_workers()
    create_app(settings)  # fail fast, before forking, on a configuration error
    # Telegram waits at most 60 s; a confirm that takes longer than 30 s has failed anyway.
    FlaskUnderGunicorn("gateway", lambda: following(create_app(settings)),
                       bind=settings.gateway_bind,
                       workers=settings.gateway_workers, threads=settings.gateway_threads,
                       timeout=30, log_level=settings.log_level,
                       log_format=settings.log_format).run()


def following(app):
    """The app of a gunicorn worker, its follower of withdrawn letters started (after the
    fork: each worker reads them all), so that /verify knows them from the first request."""
    app.extensions["revocation_follower"].start()
    return app


def poll(process: runtime.Process) -> None:
    settings = process.settings
    publisher = process.closing(Publisher(settings, name="gateway (poll)"))
    poller = Poller(telegram_client(settings), publisher)
    poller.install_signal_handlers()  # its own: a signal must interrupt a long poll
    try:
        poller.drop_webhook()
    except ServiceError as exc:  # polling says so again (409) if a webhook is in the way
        log.warning("could not check for a webhook (%s); polling anyway", exc)
    metrics.show_gateway()
    process.run(poller.run, stop=None, health=lambda: broker_health(publisher))


def broker_health(publisher: Publisher) -> tuple[bool, str]:
    """For the poller's /healthz: whether the broker is reachable."""
    if publisher.is_reachable():
        return True, "broker reachable"
    return False, "broker unreachable"


def setup(settings: Settings, village: str) -> None:
    client = telegram_client(settings)
    bot_setup.configure_profile(client, village)
    if settings.public_url:
        url = bot_setup.set_webhook(client, settings.public_url, settings.telegram_webhook_secret)
        print(f"webhook set to {url}")
    print("command menu and descriptions set")


def telegram_client(settings: Settings) -> TelegramClient:
    """A client for the configured bot, once Telegram has accepted its token."""
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: give the token @BotFather issued.")
    client = TelegramClient(settings.telegram_api_url, settings.telegram_bot_token)
    try:
        bot = client.get_me()
    except Unauthorized:
        raise SystemExit("Telegram does not accept TELEGRAM_BOT_TOKEN: copy it again from "
                         "@BotFather (/mybots, API Token).") from None
    except ServiceError as exc:
        raise SystemExit(
            f"Cannot reach the Bot API at {settings.telegram_api_url}: {exc}") from None
    log.info("bot @%s", bot.get("username"))
    return client


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.gateway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="webhook", choices=["webhook", "poll", "setup"])
    parser.add_argument("--village", default="Desa", help="setup: the name in the descriptions")
    args = parser.parse_args()
    with runtime.started("gateway") as process:
        if args.mode == "poll":
            poll(process)
        elif args.mode == "setup":
            setup(process.settings, args.village)
        else:
            serve_webhook(process.settings)


if __name__ == "__main__":
    main()
