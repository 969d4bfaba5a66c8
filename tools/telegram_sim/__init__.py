"""A fake Telegram Bot API server for tests and demos; see app.create_app and __main__."""

DEFAULT_TOKEN = "123456:SIM-TOKEN"  # the bot token it serves unless told another
