"""Telegram's formatting options: text with parse_mode turned into plain text and entities.

The HTML parser follows tdlib's (the library behind the Bot API), including its error
messages, so a bot sees the same `can't parse entities: ...` descriptions as with Telegram.
Offsets and lengths of entities are counted in UTF-16 code units, like Telegram's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.telegram_sim.markdown import parse_markdown
from tools.telegram_sim.parsing import SPACES, ParseError, utf16_len

__all__ = ["ParseError", "UnsupportedParseMode", "parse", "parse_html", "utf16_len"]

TAG_ENTITIES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "tg-emoji": "custom_emoji",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PLAIN_RUN = re.compile(r"[^&<]+")


class UnsupportedParseMode(Exception):
    """A parse_mode Telegram does not know."""


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """Plain text and MessageEntity list for text sent with parse_mode (None: as is)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return parse_markdown(text, v2=mode == "markdownv2")
    raise UnsupportedParseMode(parse_mode)


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Plain text and entities of Telegram-flavoured HTML; raises ParseError like Telegram."""
    return _HtmlParser(text).run()


@dataclass
class _Open:
    tag: str
    argument: str
    start: int  # UTF-16 offset in the plain text
    attrs: dict = field(default_factory=dict)


class _HtmlParser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.pos = 0
        self.stack: list[_Open] = []
        self.entities: list[dict] = []

    def run(self) -> tuple[str, list[dict]]:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char == "&":
                self._emit(self._entity())
            elif char == "<":
                self._tag()
            else:
                run = _PLAIN_RUN.match(text, self.i)
                self._emit(run.group())
                self.i = run.end()
        if self.stack:
            tag = self.stack[-1].tag
            raise ParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        for entity in entities:
            entity.pop("_language", None)
        return "".join(self.out), entities

    def _emit(self, piece: str) -> None:
        self.out.append(piece)
        self.pos += utf16_len(piece)

    def _at(self, index: int) -> str:
        """Byte offset of a character index, as tdlib reports positions."""
        return f"at byte offset {len(self.text[:index].encode())}"

    def _entity(self) -> str:
        """Decode the `&...;` at self.i; a lone `&` stays as it is."""
        match = _ENTITY.match(self.text, self.i)
        if not match:
            self.i += 1
            return "&"
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ParseError(f'Invalid HTML entity "{match.group()}" {self._at(self.i)}')
            char = chr(code)
        elif name in NAMED_ENTITIES:
            char = NAMED_ENTITIES[name]
        else:
            raise ParseError(f'Unsupported HTML entity "{match.group()}" {self._at(self.i)}')
        self.i = match.end()
        return char

    def _skip_spaces(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in SPACES:
            i += 1
        return i

    def _tag(self) -> None:
        if self.text.startswith("</", self.i):
            self._end_tag()
        else:
            self._start_tag()

    def _end_tag(self) -> None:
        text, begin = self.text, self.i
        if not self.stack:
            raise ParseError(f"Unexpected end tag {self._at(begin)}")
        i = begin + 2
        while i < len(text) and text[i] not in SPACES and text[i] != ">":
            i += 1
        name = text[begin + 2:i].lower()
        i = self._skip_spaces(i)
        if i >= len(text) or text[i] != ">":
            raise ParseError(f"Unclosed end tag {self._at(begin)}")
        opened = self.stack.pop()
        if name and name != opened.tag:
            raise ParseError(
                f'Unmatched end tag {self._at(begin)}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self.i = i + 1
        self._close(opened)

    def _start_tag(self) -> None:
        text, begin = self.text, self.i
        i = begin + 1
        while i < len(text) and text[i] not in SPACES and text[i] != ">":
            i += 1
        if i >= len(text):
            raise ParseError(f"Unclosed start tag {self._at(begin)}")
        tag = text[begin + 1:i].lower()
        if tag not in TAG_ENTITIES:
            raise ParseError(f'Unsupported start tag "{tag}" {self._at(begin)}')
        attrs: dict[str, str] = {}
        while True:
            i = self._skip_spaces(i)
            if i >= len(text):
                raise ParseError(f"Unclosed start tag {self._at(begin)}")
            if text[i] == ">":
                break
            name_start = i
            while i < len(text) and text[i] not in SPACES and text[i] not in "=>":
                i += 1
            name = text[name_start:i].lower()
            if not name:
                raise ParseError(f'Empty attribute name in the tag "{tag}" {self._at(begin)}')
            i = self._skip_spaces(i)
            if i >= len(text) or text[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise ParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"{self._at(begin)}"
                )
            i, value = self._attribute_value(self._skip_spaces(i + 1), begin)
            attrs.setdefault(name, value)
        self.i = i + 1
        self.stack.append(_Open(tag, self._argument(tag, attrs, begin), self.pos, attrs))

    def _attribute_value(self, i: int, begin: int) -> tuple[int, str]:
        text = self.text
        if i >= len(text):
            raise ParseError(f"Unclosed start tag {self._at(begin)}")
        if text[i] in "'\"":
            quote, parts = text[i], []
            i += 1
            while i < len(text) and text[i] != quote:
                if text[i] == "&":
                    self.i = i
                    parts.append(self._entity())
                    i = self.i
                else:
                    parts.append(text[i])
                    i += 1
            if i >= len(text):
                raise ParseError(f"Unclosed start tag {self._at(begin)}")
            return i + 1, "".join(parts)
        start = i
        while i < len(text) and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
            i += 1
        if i >= len(text) or (text[i] not in SPACES and text[i] != ">"):
            raise ParseError(f"Unexpected end of name token {self._at(start)}")
        return i, text[start:i].lower()

    def _argument(self, tag: str, attrs: dict[str, str], begin: int) -> str:
        if tag == "a":
            return attrs.get("href", "")
        if tag == "code":
            css = attrs.get("class", "")
            return css[len("language-"):] if css.startswith("language-") else ""
        if tag == "span":
            if attrs.get("class") != "tg-spoiler":
                raise ParseError(f'Tag "span" must have class "tg-spoiler" {self._at(begin)}')
            return ""
        if tag == "tg-emoji":
            emoji_id = attrs.get("emoji-id", "")
            if not emoji_id.isdigit() or not 0 < int(emoji_id) < 2**63:
                raise ParseError("Invalid custom emoji identifier specified")
            return emoji_id
        return ""

    def _close(self, opened: _Open) -> None:
        length = self.pos - opened.start
        if length == 0:
            return
        entity = {"type": TAG_ENTITIES[opened.tag], "offset": opened.start, "length": length}
        if opened.tag == "a":
            if not opened.argument:
                return
            entity["url"] = opened.argument
        elif opened.tag == "code":
            entity["_language"] = opened.argument
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.argument
        elif opened.tag == "blockquote" and "expandable" in opened.attrs:
            entity["type"] = "expandable_blockquote"
        elif opened.tag == "pre" and self.entities:
            inner = self.entities[-1]
            same_span = (inner["offset"], inner["length"]) == (opened.start, length)
            if inner["type"] == "code" and same_span:
                # <pre><code class="language-x"> is one pre entity with a language
                self.entities.pop()
                if inner.get("_language"):
                    entity["language"] = inner["_language"]
        self.entities.append(entity)
