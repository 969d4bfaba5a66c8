"""Building replies: an Outgoing per message, ids derived from the command's id."""

from __future__ import annotations

from libs.contracts import Command, Outgoing


class Replies:
    """Collects the replies to one command, numbering them so a redelivery makes the same ids."""

    def __init__(self, command: Command):
        self.command = command
        self.items: list[Outgoing] = []

    def add(self, text: str, keyboard: dict | None = None) -> list[Outgoing]:
        """Queue one HTML text message to the command's chat; returns all replies so far."""
        self.items.append(Outgoing(
            message_id=f"{self.command.message_id}:{len(self.items)}",
            chat_id=self.command.chat_id,
            text=text,
            reply_markup=keyboard,
            correlation_id=self.command.message_id,
        ))
        return self.items


def reply(command: Command, text: str, keyboard: dict | None = None) -> list[Outgoing]:
    """A single reply to `command`."""
    return Replies(command).add(text, keyboard)
