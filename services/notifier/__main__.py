"""`python -m services.notifier`: the only caller of Telegram's send methods."""

import signal

from libs import metrics, topology
from libs.config import Settings
from libs.logs import setup_logging
from libs.siades.village import connect_or_exit
from libs.telegram import TelegramClient
from services.notifier.dispatcher import Dispatcher


def main() -> None:
    settings = Settings.from_env()
    setup_logging("notifier", settings.log_level, settings.log_format)
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: the notifier has no bot to send as.")
    factory = connect_or_exit(settings).sessions

    def make_client() -> TelegramClient:
        return TelegramClient(settings.telegram_api_url, settings.telegram_bot_token,
                              read_timeout=settings.telegram_timeout)

    dispatcher = Dispatcher(settings, factory, make_client)
    signal.signal(signal.SIGTERM, dispatcher.stop)
    signal.signal(signal.SIGINT, dispatcher.stop)
    metrics.show_notifier(topology.NOTIFIER_QUEUE)
    server = metrics.serve(settings.metrics_port, dispatcher.health)
    try:
        dispatcher.run()
    finally:
        metrics.close(server)


if __name__ == "__main__":
    main()
