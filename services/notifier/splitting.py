"""Texts longer than Telegram takes (4,096 characters) become several messages.

Parts end at a line break where there is one, else at a space, else anywhere outside a tag or
an `&entity;`. An HTML tag open at a cut is closed at the end of its part and opened again at
the start of the next, so every part is valid on its own. Lengths are counted in UTF-16 code
units, as Telegram counts them, on the text as sent (tags included), which is never shorter
than what Telegram counts after parsing.
"""

from __future__ import annotations

import re

MAX_MESSAGE_LENGTH = 4096

# A tag, an entity, a line break, a run of spaces, or a run of other text (bounded, so a
# long word can be cut).
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\n| +|[^<&\n ]{1,64}|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")
_TAGS = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH, html: bool = True) -> list[str]:
    """`text` as parts of at most `limit` characters, in order; one part if it fits."""
    if utf16_len(text) <= limit:
        return [text]
    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, opening tag) open at the start of the part
    start = 0
    while start < len(tokens):
        end, opened_after = _cut(tokens, start, opened, limit, html)
        body = "".join(tokens[start:end]).strip("\n")
        if _TAGS.sub("", body).strip():  # tags alone (the text's last </i>) make no part
            prefix = "".join(tag for _, tag in opened)
            suffix = "".join(f"</{name}>" for name, _ in reversed(opened_after))
            parts.append(prefix + body + suffix)
        start, opened = end, opened_after
    return parts


def _cut(tokens: list[str], start: int, opened: list[tuple[str, str]], limit: int,
         html: bool) -> tuple[int, list[tuple[str, str]]]:
    """Where the part starting at `start` ends, and the tags open there."""
    stack = list(opened)
    length = sum(utf16_len(tag) for _, tag in opened)
    best_line = best_space = best_any = None
    just_opened = False  # the last token that is not blank opened a tag
    for index in range(start, len(tokens)):
        token = tokens[index]
        length += utf16_len(token)
        if html:
            _track(stack, token)
        closing = sum(len(name) + 3 for name, _ in stack)
        if length + closing > limit:
            break
        if token.strip():
            just_opened = html and _TAG.match(token) is not None and token[1:2] != "/"
        if just_opened:
            continue  # a cut here would leave an empty element: <code></code>
        if html and index + 1 < len(tokens) and tokens[index + 1].startswith("</"):
            continue  # nor here: the next part would open the element only to close it
        cut = (index + 1, list(stack))
        best_any = cut
        if token == "\n":
            best_line = cut
        elif token.startswith(" "):
            best_space = cut
    else:
        return len(tokens), stack
    cut = best_line or best_space or best_any
    if cut is None:  # a tag longer than a message: send it alone, Telegram will say no
        stack = list(opened)
        if html:
            _track(stack, tokens[start])
        cut = (start + 1, stack)
    return cut


def _track(stack: list[tuple[str, str]], token: str) -> None:
    match = _TAG.match(token)
    if not token.startswith("<") or match is None:
        return
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        stack.append((name, token))
        return
    for position in range(len(stack) - 1, -1, -1):
        if stack[position][0] == name:
            del stack[position]
            return
