"""A fake Telegram Bot API server for tests and demos; see app.create_app and __main__."""
