"""The bot's profile and how updates reach us, set through the Bot API once at deployment.

`python -m services.gateway setup [--village NAME]` registers the "/" command menu and the
descriptions; with PUBLIC_URL set it also points Telegram's webhook at
`{PUBLIC_URL}/telegram/webhook` with TELEGRAM_WEBHOOK_SECRET as its secret_token. Without
PUBLIC_URL, run `python -m services.gateway poll` instead: long polling needs no address.
"""

from __future__ import annotations

from libs import texts
from libs.telegram import ALLOWED_UPDATES, TelegramClient

WEBHOOK_PATH = "/telegram/webhook"


def configure_profile(client: TelegramClient, village: str) -> None:
    """The command menu, the empty-chat description and the short profile description."""
    commands = [{"command": name, "description": text} for name, text in texts.BOT_COMMANDS]
    client.call("setMyCommands", {"commands": commands})
    client.call("setMyDescription", {"description": texts.BOT_DESCRIPTION.format(village=village)})
    client.call("setMyShortDescription",
                {"short_description": texts.BOT_SHORT_DESCRIPTION.format(village=village)})


def set_webhook(client: TelegramClient, public_url: str, secret: str) -> str:
    """Point Telegram at our webhook; returns the URL set. Pending updates are kept."""
    if not secret:
        raise SystemExit("TELEGRAM_WEBHOOK_SECRET is not set: a webhook without a secret would "
                         "accept updates from anyone. Set it to a random string.")
    url = public_url.rstrip("/") + WEBHOOK_PATH
    client.call("setWebhook", {"url": url, "secret_token": secret,
                               "allowed_updates": ALLOWED_UPDATES})
    return url
