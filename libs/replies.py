"""Building replies: an Outgoing per Bot API call, ids derived from the command's id."""

from __future__ import annotations

from dataclasses import replace

from libs.contracts import Command, Outgoing

MAX_CALLBACK_TEXT = 200  # answerCallbackQuery's text, as the Bot API limits it


class Replies:
    """Collects the replies to one command, numbering them so a redelivery makes the same ids.

    A command from a button tap first answers the callback query: Telegram shows the button
    as busy until it is answered. The answer may carry a short text (shown over the chat),
    and the keyboard tapped may be taken off its message once it is spent.
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

    def answer(self, text: str) -> list[Outgoing]:
        """Give the callback answer a plain text; returns all replies so far."""
        if self.items and self.items[0].method == "answerCallbackQuery":
            self.items[0] = replace(self.items[0], text=text[:MAX_CALLBACK_TEXT],
                                    parse_mode=None)
        return self.items

    def remove_keyboard(self) -> list[Outgoing]:
        """Take the inline keyboard off the message whose button was tapped (if one was)."""
        if self.command.callback_message_id is not None:
            self._append("", method="editMessageReplyMarkup", parse_mode=None,
                         extra={"message_id": self.command.callback_message_id})
        return self.items

    def download(self, file_id: str, received_file: int, max_bytes: int) -> list[Outgoing]:
        """Have the notifier fetch a file the resident sent into its bot_received_files row
        (in the chat's order: before the replies queued after it)."""
        self._append("", method="getFile", parse_mode=None, extra={
            "file_id": file_id, "received_file": received_file, "max_bytes": max_bytes})
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
