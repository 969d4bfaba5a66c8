"""Telegram's HTML (and Markdown) formatting as the simulator parses and refuses it."""

from __future__ import annotations

import html
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.telegram_sim.app import create_app
from tools.telegram_sim.formatting import ParseError, parse, parse_html
from tools.telegram_sim.limits import Limits
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN


@pytest.fixture(scope="module")
def client():
    app = create_app(TOKEN, limits=Limits(enabled=False))  # hypothesis sends hundreds at once
    client = app.test_client()
    client.post("/sim/updates", json={"user": {"id": 1001, "first_name": "Ahlul"}, "text": "hi"})
    yield client
    app.extensions["telegram_sim"].close()


@pytest.mark.parametrize(("text", "plain", "entities"), [
    ("<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins>", "abcdef",
     [("bold", 0, 1), ("bold", 1, 1), ("italic", 2, 1), ("italic", 3, 1), ("underline", 4, 1),
      ("underline", 5, 1)]),
    ("<s>a</s><strike>b</strike><del>c</del>", "abc",
     [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)]),
    ('<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>', "ab",
     [("spoiler", 0, 1), ("spoiler", 1, 1)]),
    ("<b>tebal <i>miring</i></b>", "tebal miring", [("bold", 0, 12), ("italic", 6, 6)]),
    ("<code>x = 1</code>", "x = 1", [("code", 0, 5)]),
    ("<blockquote>kutipan</blockquote>", "kutipan", [("blockquote", 0, 7)]),
    ("<blockquote expandable>panjang</blockquote>", "panjang", [("expandable_blockquote", 0, 7)]),
    ("<B>upper</B>", "upper", [("bold", 0, 5)]),
    ("<b>a</>", "a", [("bold", 0, 1)]),
    ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
    ("A & B > C", "A & B > C", []),
    ("<b></b>x", "x", []),
    ("😀<b>x</b>", "😀x", [("bold", 2, 1)]),
])
def test_html_tags_become_entities(text, plain, entities):
    got_plain, got = parse_html(text)
    assert got_plain == plain
    assert [(e["type"], e["offset"], e["length"]) for e in got] == entities


def test_html_links_pre_languages_and_custom_emoji():
    text = ('<a href="https://desa.id/?a=1&amp;b=2">tautan</a> '
            '<pre><code class="language-python">print(1)</code></pre> '
            '<pre>polos</pre> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    plain, entities = parse_html(text)
    assert plain == "tautan print(1) polos 👍"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 6, "url": "https://desa.id/?a=1&b=2"},
        {"type": "pre", "offset": 7, "length": 8, "language": "python"},
        {"type": "pre", "offset": 16, "length": 5},
        {"type": "custom_emoji", "offset": 22, "length": 2,
         "custom_emoji_id": "5368324170671202286"},
    ]


@pytest.mark.parametrize(("text", "error"), [
    ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ("2 < 3", 'Unsupported start tag "" at byte offset 2'),
    ("a <", "Unclosed start tag at byte offset 2"),
    ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
    ("é&copy;", 'Unsupported HTML entity "&copy;" at byte offset 2'),
    ("&#0;", 'Invalid HTML entity "&#0;" at byte offset 0'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<a href=x/y>x</a>", "Unexpected end of name token at byte offset 8"),
    ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at '
                      "byte offset 0"),
    ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
])
def test_bad_html_is_refused_like_telegram(text, error):
    with pytest.raises(ParseError) as caught:
        parse_html(text)
    assert str(caught.value) == error


def test_bad_html_is_a_400_through_the_api(client):
    response = client.post(f"/bot{TOKEN}/sendMessage",
                           json={"chat_id": 1001, "text": "Nilai < 5", "parse_mode": "HTML"})
    assert response.status_code == 400
    assert response.json["description"] == (
        "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 6")


def test_captions_are_parsed_too(client):
    response = client.post(f"/bot{TOKEN}/sendDocument", data={
        "chat_id": "1001", "caption": "<b>x", "parse_mode": "HTML",
        "document": (io.BytesIO(b"%PDF"), "surat.pdf")})
    assert response.json["description"] == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"")


def test_without_parse_mode_text_is_taken_as_is():
    assert parse("<b>x</b> &amp;", None) == ("<b>x</b> &amp;", [])


@pytest.mark.parametrize(("text", "mode", "plain", "kinds"), [
    ("*tebal* _miring_ `kode` [tautan](https://desa.id)", "Markdown", "tebal miring kode tautan",
     ["bold", "italic", "code", "text_link"]),
    ("*tebal* __garis__ ~coret~ ||rahasia|| 1\\.5", "MarkdownV2", "tebal garis coret rahasia 1.5",
     ["bold", "underline", "strikethrough", "spoiler"]),
    ("```python\nprint(1)```", "MarkdownV2", "print(1)", ["pre"]),
])
def test_markdown_modes(text, mode, plain, kinds):
    got_plain, entities = parse(text, mode)
    assert got_plain == plain
    assert [e["type"] for e in entities] == kinds


@pytest.mark.parametrize(("text", "mode", "error"), [
    ("Harga 1.5", "MarkdownV2",
     "Character '.' is reserved and must be escaped with the preceding '\\'"),
    ("*tebal", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    ("*tebal", "Markdown", "Can't find end of the entity starting at byte offset 0"),
])
def test_bad_markdown_is_refused_like_telegram(text, mode, error):
    with pytest.raises(ParseError) as caught:
        parse(text, mode)
    assert str(caught.value) == error


message_text = st.text(min_size=1, max_size=300).filter(lambda t: t.strip())


@settings(max_examples=150, deadline=None)
@given(text=message_text)
def test_any_escaped_text_is_accepted_and_comes_back_unescaped(client, text):
    response = client.post(f"/bot{TOKEN}/sendMessage", json={
        "chat_id": 1001, "text": html.escape(text, quote=False), "parse_mode": "HTML"})
    assert response.status_code == 200, response.json
    assert response.json["result"]["text"] == text
    assert "entities" not in response.json["result"]


@settings(max_examples=100, deadline=None)
@given(inner=message_text, tag=st.sampled_from(["b", "i", "u", "s", "code", "tg-spoiler"]))
def test_escaped_text_inside_a_tag_is_one_entity_of_its_utf16_length(inner, tag):
    plain, entities = parse_html(f"<{tag}>{html.escape(inner, quote=False)}</{tag}>")
    assert plain == inner
    assert len(entities) == 1 and entities[0]["offset"] == 0
    assert entities[0]["length"] == len(inner.encode("utf-16-le")) // 2
