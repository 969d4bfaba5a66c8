"""The bot's profile and webhook (services/gateway/bot_setup.py) against the simulator."""

from __future__ import annotations

import pytest

from libs import texts
from libs.telegram import TelegramClient
from services.gateway import bot_setup
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import serve

TOKEN = "31337:SETUP-TEST"


@pytest.fixture
def client():
    with serve(create_app(TOKEN)) as url:
        yield TelegramClient(url, TOKEN)


def test_the_profile_gives_telegram_the_command_menu_and_descriptions(client):
    bot_setup.configure_profile(client, "Desa Sumbermulyo")
    commands = client.call("getMyCommands")
    assert [(c["command"], c["description"]) for c in commands] == texts.BOT_COMMANDS
    assert "Desa Sumbermulyo" in client.call("getMyDescription")["description"]
    assert "Desa Sumbermulyo" in client.call("getMyShortDescription")["short_description"]


def test_the_webhook_points_at_the_gateway_with_a_secret(client):
    url = bot_setup.set_webhook(client, "https://desa.example.id/", "s3cret-token")
    assert url == "https://desa.example.id/telegram/webhook"
    info = client.call("getWebhookInfo")
    assert info["url"] == url and info["allowed_updates"] == ["message", "callback_query"]


def test_no_webhook_without_a_secret(client):
    with pytest.raises(SystemExit, match="TELEGRAM_WEBHOOK_SECRET"):
        bot_setup.set_webhook(client, "https://desa.example.id", "")
    assert client.call("getWebhookInfo")["url"] == ""
