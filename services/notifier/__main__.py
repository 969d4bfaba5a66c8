"""`python -m services.notifier`: the only caller of Telegram's send methods."""

from libs import topology
from libs.config import Settings
from libs.logs import setup_logging
from libs.messaging import Consumer
from libs.siades.db import make_engine, make_session_factory
from libs.telegram import TelegramClient
from services.notifier.sender import make_sender


def main() -> None:
    settings = Settings.from_env()
    setup_logging("notifier", settings.log_level)
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: the notifier has no bot to send as.")
    factory = make_session_factory(make_engine(settings.database_url))
    client = TelegramClient(settings.telegram_api_url, settings.telegram_bot_token)
    consumer = Consumer(settings, topology.NOTIFIER_QUEUE, make_sender(factory, client))
    consumer.install_signal_handlers()
    consumer.run()


if __name__ == "__main__":
    main()
