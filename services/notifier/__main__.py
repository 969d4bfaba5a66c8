"""`python -m services.notifier`: the only caller of Telegram's send methods."""

from libs import metrics, runtime, topology
from libs.telegram import TelegramClient
from services.notifier.dispatcher import Dispatcher


def main() -> None:
    with runtime.started("notifier") as process:
        settings = process.settings
        if not settings.telegram_bot_token:
            raise SystemExit("TELEGRAM_BOT_TOKEN is not set: the notifier has no bot to send as.")

        def make_client() -> TelegramClient:
            return TelegramClient(settings.telegram_api_url, settings.telegram_bot_token,
                                  read_timeout=settings.telegram_timeout)

        dispatcher = Dispatcher(settings, process.database().sessions, make_client)
        metrics.show_notifier(topology.NOTIFIER_QUEUE)
        process.run(dispatcher.run, stop=dispatcher.stop, health=dispatcher.health)


if __name__ == "__main__":
    main()
