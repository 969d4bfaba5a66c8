"""Telegram's Markdown and MarkdownV2 parse modes, after tdlib's parsers and error messages.

Block quotations of MarkdownV2 (`>` at a line start) are accepted as a marker and dropped
without an entity; everything else follows tdlib.
"""

from __future__ import annotations

from tools.telegram_sim.parsing import SPACES, ParseError, utf16_len

RESERVED_V2 = "_*[]()~`>#+-=|{}.!"
_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown(text: str, *, v2: bool) -> tuple[str, list[dict]]:
    """Plain text and entities of Markdown (legacy) or MarkdownV2 text."""
    return _parse_v2(text) if v2 else _parse_v1(text)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _char(text: str, i: int) -> str:
    return text[i] if i < len(text) else ""


def _pre_start(text: str, i: int) -> tuple[int, str]:
    """After an opening ```: the index of the pre's content and its language, if any."""
    end = i
    while end < len(text) and text[end] not in SPACES and text[end] != "`":
        end += 1
    language = ""
    if end != i and end < len(text) and text[end] != "`":
        language, i = text[i:end], end
    if _char(text, i) in ("\n", "\r"):
        pair = _char(text, i + 1) in ("\n", "\r") and text[i] != _char(text, i + 1)
        i += 2 if pair else 1
    return i, language


def _parse_v1(text: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    entities: list[dict] = []
    pos = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and _char(text, i + 1) in ("_", "*", "`", "["):
            out.append(text[i + 1])
            pos += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            pos += utf16_len(char)
            i += 1
            continue
        begin, end_char, is_pre, language = i, "]" if char == "[" else char, False, ""
        i += 1
        if char == "`" and text.startswith("``", i):
            is_pre = True
            i, language = _pre_start(text, i + 2)
        start, start_index = pos, len(out)
        while i < len(text) and (
            text[i] != end_char or (is_pre and not text.startswith("``", i + 1))
        ):
            out.append(text[i])
            pos += utf16_len(text[i])
            i += 1
        if i >= len(text):
            offset = _byte_offset(text, begin)
            raise ParseError(f"Can't find end of the entity starting at byte offset {offset}")
        entity = {"offset": start, "length": pos - start}
        if char == "[":
            url = ""
            if _char(text, i + 1) == "(":
                close = text.find(")", i + 2)
                close = len(text) if close < 0 else close
                url, i = text[i + 2:close], close
            else:
                url = "".join(out[start_index:])
            entity.update(type="text_link", url=url)
        elif char == "`":
            entity["type"] = "pre" if is_pre else "code"
            if language:
                entity["language"] = language
        else:
            entity["type"] = "italic" if char == "_" else "bold"
        if pos > start and entity.get("url", True):
            entities.append(entity)
        i += 3 if is_pre else 1
    return "".join(out), entities


def _is_end(kind: str, text: str, i: int) -> bool:
    char, after = text[i], _char(text, i + 1)
    return {
        "bold": char == "*", "italic": char == "_" and after != "_", "code": char == "`",
        "pre": text.startswith("```", i), "text_link": char == "]",
        "underline": text.startswith("__", i), "strikethrough": char == "~",
        "spoiler": text.startswith("||", i), "custom_emoji": char == "]",
    }[kind]


def _reserved(char: str) -> ParseError:
    return ParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _link_target(text: str, i: int, what: str) -> tuple[int, str]:
    """Read `(url)` starting at text[i] == '('; returns the index of ')' and the url."""
    i += 1
    begin, url = i, []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and 0 < ord(_char(text, i + 1) or "\0") <= 126:
            url.append(text[i + 1])
            i += 2
            continue
        url.append(text[i])
        i += 1
    if i >= len(text):
        raise ParseError(f"Can't find end of {what} at byte offset {_byte_offset(text, begin)}")
    return i, "".join(url)


def _parse_v2(text: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    entities: list[dict] = []
    stack: list[dict] = []
    pos = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and 0 < ord(_char(text, i + 1) or "\0") <= 126:
            out.append(text[i + 1])
            pos += 1
            i += 2
            continue
        in_code = stack and stack[-1]["type"] in ("code", "pre")
        reserved = "`" if in_code else RESERVED_V2
        line_start = i == 0 or text[i - 1] == "\n"
        if char not in reserved or (char == ">" and line_start and not in_code):
            if char != ">" or in_code or not line_start:
                out.append(char)
                pos += utf16_len(char)
            i += 1
            continue
        if stack and _is_end(stack[-1]["type"], text, i):
            i = _close_v2(text, i, stack.pop(), pos, out, entities)
            continue
        begin, language = i, ""
        if char == "_":
            kind = "underline" if _char(text, i + 1) == "_" else "italic"
            i += 1 if kind == "underline" else 0
        elif char in "*~[":
            kind = {"*": "bold", "~": "strikethrough", "[": "text_link"}[char]
        elif char == "|" and _char(text, i + 1) == "|":
            kind, i = "spoiler", i + 1
        elif char == "`" and text.startswith("```", i):
            kind = "pre"
            i, language = _pre_start(text, i + 3)
            i -= 1
        elif char == "`":
            kind = "code"
        elif char == "!" and _char(text, i + 1) == "[":
            kind, i = "custom_emoji", i + 1
        else:
            raise _reserved(char)
        stack.append({"type": kind, "offset": pos, "begin": begin, "language": language,
                      "out_index": len(out)})
        i += 1
    if stack:
        opened = stack[-1]
        name = "PreCode" if opened["language"] else _TYPE_NAMES[opened["type"]]
        offset = _byte_offset(text, opened["begin"])
        raise ParseError(f"Can't find end of {name} entity at byte offset {offset}")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _close_v2(text: str, i: int, opened: dict, pos: int, out: list, entities: list) -> int:
    """Finish the entity closed at text[i]; returns the index after its closing marker."""
    kind = opened["type"]
    entity = {"type": kind, "offset": opened["offset"], "length": pos - opened["offset"]}
    skip = entity["length"] == 0
    if kind in ("underline", "spoiler"):
        i += 1
    elif kind == "pre":
        i += 2
        if opened["language"]:
            entity["language"] = opened["language"]
    elif kind == "text_link":
        if _char(text, i + 1) == "(":
            i, url = _link_target(text, i + 1, "a URL")
        else:
            url = "".join(out[opened["out_index"]:])
        skip = skip or not url
        entity["url"] = url
    elif kind == "custom_emoji":
        if _char(text, i + 1) != "(":
            raise ParseError("Custom emoji entity must contain a tg://emoji URL")
        i, url = _link_target(text, i + 1, "a custom emoji URL")
        emoji_id = url.removeprefix("tg://emoji?id=")
        if not url.startswith("tg://emoji?id=") or not emoji_id.isdigit():
            raise ParseError("Custom emoji URL must have an emoji identifier")
        entity["custom_emoji_id"] = emoji_id
    if not skip:
        entities.append(entity)
    return i + 1
