"""Texts over 4,096 characters become valid parts, cut on line boundaries."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.splitting import split_text, utf16_len


class TagBalance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def balanced(part: str) -> bool:
    parser = TagBalance()
    parser.feed(part)
    parser.close()
    return parser.balanced and not parser.stack


def test_a_short_text_is_one_part():
    assert split_text("Halo <b>Budi</b>") == ["Halo <b>Budi</b>"]


def test_parts_end_at_line_breaks():
    lines = [f"Baris {i:04d} " + "x" * 80 for i in range(100)]
    parts = split_text("\n".join(lines), limit=1000)
    assert len(parts) > 1
    assert [line for part in parts for line in part.split("\n")] == lines


def test_a_tag_open_at_the_cut_is_closed_and_opened_again():
    lines = "\n".join(["y" * 90] * 40)
    text = f'<blockquote><a href="https://desa.id">{lines}</a></blockquote>'
    parts = split_text(text, limit=1000)
    assert len(parts) > 3
    for part in parts:
        assert part.startswith('<blockquote><a href="https://desa.id">')
        assert part.endswith("</a></blockquote>") and balanced(part)


def test_astral_characters_count_twice():
    parts = split_text("😀" * 3000)
    assert [utf16_len(p) for p in parts] == [4096, 1904]


def line():
    word = st.text(st.characters(blacklist_characters="<>&\n", blacklist_categories=["Cs"]),
                   min_size=1, max_size=30)
    tagged = st.tuples(st.sampled_from(["b", "i", "code", "u"]), word).map(
        lambda t: f"<{t[0]}>{t[1]}</{t[0]}>")
    return st.lists(st.one_of(word, tagged, st.just(" "), st.just("&amp;")), max_size=40).map(
        "".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(line(), min_size=1, max_size=300), st.integers(200, 4096))
def test_every_part_fits_balances_and_nothing_is_lost(lines, limit):
    text = "<i>" + "\n".join(lines) + "</i>"
    parts = split_text(text, limit=limit)
    assert all(utf16_len(p) <= limit for p in parts)
    assert all(balanced(p) for p in parts)

    def visible(s: str) -> str:  # a tag open at a cut is closed and opened again
        return "".join(re.sub(r"<[^>]*>", "", s).split())

    assert visible("".join(parts)) == visible(text)
    # A cut never falls right after an opening tag, which would leave an empty element.
    empty = re.compile(r"<(\w+)></\1>")
    if not empty.search(text):
        assert not any(empty.search(p) for p in parts)


def test_the_closing_tags_left_at_the_end_make_no_part_of_their_own():
    # Found by hypothesis: the text's last "\n\n</i>" came out as a part "<i></i>".
    lines = ["0&amp;<code>" + "0" * 17 + "</code>",
             "<b>0</b><b>0</b><b>000\U00010000</b>  " + "&amp;" * 4 + "<b>" + "0" * 8 + "</b>"
             "<code>0000" + "\U00010000" * 2 + "</code><code>" + "0" * 12 + "\U00010000" * 3
             + "</code>", "&amp;&amp;", "0" * 8 + "\U00010000" + "0" * 6 + "\U00010000" * 5, "", ""]
    parts = split_text("<i>" + "\n".join(lines) + "</i>", limit=200)
    assert len(parts) == 1 and parts[0].endswith("</i>")


def test_a_cut_never_leaves_an_empty_element():
    text = "<i>" + "0" * 150 + "<code>" + "1" * 100 + "</code></i>"
    parts = split_text(text, limit=170)
    assert parts[0] == "<i>" + "0" * 150 + "</i>"
    assert parts[1].startswith("<i><code>1")
