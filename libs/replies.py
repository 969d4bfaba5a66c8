"""Building replies: an Outgoing per Bot API call, ids derived from the command's id."""

from __future__ import annotations

from libs.contracts import Command, Outgoing


class Replies:
    """Collects the replies to one command, numbering them so a redelivery makes the same ids.

    A command from a button tap first answers the callback query: Telegram shows the button
    as busy until it is answered.
    """

    def __init__(self, command: Command):
        self.command = command
        self.items: list[Outgoing] = []
        if command.callback_query_id:
            self._append("", method="answerCallbackQuery",
                         extra={"callback_query_id": command.callback_query_id})

    def add(self, text: str, keyboard: dict | None = None) -> list[Outgoing]:
        """Queue one HTML text message to the command's chat; returns all replies so far."""
        self._append(text, reply_markup=keyboard)
        return self.items

    def _append(self, text: str, **fields) -> None:
        self.items.append(Outgoing(
            message_id=f"{self.command.message_id}:{len(self.items)}",
            chat_id=self.command.chat_id,
            text=text,
            correlation_id=self.command.message_id,
            **fields,
        ))


def reply(command: Command, text: str, keyboard: dict | None = None) -> list[Outgoing]:
    """A single reply to `command` (after the callback answer, for a button tap)."""
    return Replies(command).add(text, keyboard)
