"""What the parse modes share: their error and Telegram's UTF-16 measure of text."""

from __future__ import annotations

SPACES = " \t\r\n\v\f"


class ParseError(Exception):
    """Text that Telegram refuses with `can't parse entities: <message>`."""


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2
