"""The complaint in the chat (being written: see the lead's next commit)."""

from __future__ import annotations

from libs import texts


def command(ctx):
    return ctx.reply(texts.UNKNOWN_COMMAND)


def attachment(ctx):
    return ctx.reply(texts.UNKNOWN_COMMAND)
