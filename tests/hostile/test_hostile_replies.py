"""No reply carries a resident's (or the registry's) text as markup: it is always escaped.

Every reply is parse_mode=HTML. Telegram refuses a message whose '<', '>' or '&' is neither a
supported tag nor an entity, and renders a tag it supports; either way an unescaped echo is a
bug. Each reply is checked as Telegram would read it, and where it echoes a value, the value must
come back exactly in the text the resident sees.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from hostile_inputs import HOSTILE, HTML_INPUTS, cancel_request
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from libs.config import Settings
from libs.contracts import Command
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest, VillageConfig
from libs.siades.models import Area, Family, Occupation, Resident
from libs.siades.programs import ProgramParticipant
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.letter_service.fields import clean
from services.letter_service.handlers import handle as handle_letter

NOW = datetime(2026, 11, 28, 6, 0, 0)
SETTINGS = Settings()
CHAT = 41
HEAD_NIK, HEAD_KK, _ = DEMO_RESIDENTS["head"]
BOT_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}
ENTITY = r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);"


class TelegramHTML(HTMLParser):
    """Reads a message as Telegram's HTML mode does; keeps the visible text and any problem."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in BOT_TAGS:
            self.problems.append(f"<{tag}> is not one of the bot's tags")
        self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.problems.append(f"<{tag}/>")

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing")

    def handle_data(self, data):
        self.visible.append(data)

    def handle_comment(self, data):
        self.problems.append("a comment")

    def handle_decl(self, decl):
        self.problems.append("a declaration")


def visible_text(html: str) -> str:
    """What the resident reads, after checking `html` is what Telegram accepts and renders."""
    markup = re.compile(r"</?(?:" + "|".join(BOT_TAGS) + r")(?:\s[^<>]*)?>")
    bare = re.sub(ENTITY, "", markup.sub("", html))
    assert "<" not in bare and ">" not in bare, f"a raw '<' or '>' in {html!r}"
    assert "&" not in bare, f"a raw '&' in {html!r}"
    parser = TelegramHTML()
    parser.feed(html)
    parser.close()
    assert not parser.problems and not parser.open, (parser.problems, parser.open, html)
    return "".join(parser.visible)


class Chat:
    """One resident's chat with the bot: text in as the gateway parses it, checked replies out."""

    def __init__(self, session_factory, chat_id: int = CHAT):
        self.session_factory, self.chat_id = session_factory, chat_id
        self.counter = 0

    def say(self, text: str, callback_query_id: str | None = None) -> str:
        """The visible text of the reply to `text`; every reply is checked on the way."""
        parsed = parse_text(text)
        self.counter += 1
        command = Command(message_id=f"tg-{self.counter}", update_id=self.counter,
                          service=parsed.service, action=parsed.action, chat_id=self.chat_id,
                          user_id=self.chat_id, args=parsed.args, text=text,
                          callback_query_id=callback_query_id)
        handler = handle_letter if parsed.service == "letter" else handle_data
        with self.session_factory.begin() as session:
            replies = handler(command, session, SETTINGS, NOW)
        texts = [visible_text(r.text) for r in replies if r.parse_mode == "HTML"]
        assert all(r.parse_mode in ("HTML", None) for r in replies)
        return "\n".join(texts)


HOSTILE_NAME = "<b>BUDI</b> & <script>x</script>"
REGISTRY_VALUES = {
    "name": HOSTILE_NAME,
    "wife": '<a href="tg://x">SITI</a> &amp;',
    "birth_place": "<i>Jombang",
    "address": "Jl. <u>Melati</u> & 5 > 4",
    "family_address": "<pre>RT</pre> &lt;",
    "dusun": "<s>KRAJAN</s>&",
    "occupation": "<tg-spoiler>PETANI</tg-spoiler>",
    "card": "<code>1</code>&#x3c;",
    "village": "<blockquote>Sumbermulyo</blockquote> & <img>",
}


@pytest.fixture
def hostile_registry(session_factory):
    """The demo village with markup in every registry value a reply shows."""
    v = REGISTRY_VALUES
    with session_factory.begin() as session:
        head = session.scalar(select(Resident).where(Resident.nik == HEAD_NIK))
        head.name, head.birth_place, head.address = v["name"], v["birth_place"], v["address"]
        session.execute(update(Resident).where(Resident.nik == DEMO_RESIDENTS["wife"][0])
                        .values(name=v["wife"]))
        session.execute(update(Family).where(Family.id == head.family_id)
                        .values(address=v["family_address"]))
        session.execute(update(Area).where(Area.id == head.area_id).values(dusun=v["dusun"]))
        session.execute(update(Occupation).where(Occupation.id == head.occupation_id)
                        .values(name=v["occupation"]))
        session.execute(update(ProgramParticipant).values(card_number=v["card"]))
        session.execute(update(VillageConfig).values(village_name=v["village"]))
    return v


@pytest.fixture
def chat(session_factory):
    return Chat(session_factory)


def test_registry_values_are_shown_escaped(hostile_registry, chat):
    v = hostile_registry
    assert v["village"] in chat.say("/start")
    assert "Format pendaftaran" in chat.say("DAFTAR#<b>1</b>#&amp;#<i>")
    assert "NIK harus 16 angka" in chat.say("DAFTAR#<script>#" + HEAD_KK)
    assert v["name"] in chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    assert v["name"] in chat.say("Menu")
    assert v["name"] in chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    biodata = chat.say("Biodata")
    for key in ("name", "birth_place", "address", "dusun", "occupation"):
        assert v[key] in biodata, key
    family = chat.say("Keluarga")
    for key in ("name", "wife", "family_address", "dusun"):
        assert v[key] in family, key
    assert v["card"] in chat.say("PKH") and v["card"] in chat.say("BPNT")
    chat.say("KIS")


def test_letter_fields_are_echoed_escaped(session_factory, chat):
    chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    # SKBPN is not for the head, who is married; its answers are echoed by the same code.
    for kind in (k for k in KINDS.values() if k.marital_status is None):
        values = [HTML_INPUTS[(i + len(kind.code)) % len(HTML_INPUTS)]
                  for i in range(len(kind.fields))]
        submitted = chat.say("#".join([kind.code, *values]))
        assert "berhasil diajukan" in submitted
        assert all(clean(value) in submitted for value in values)
        assert "telah dibatalkan" in cancel_request(chat.say)
    # The one-line request's refusals.
    chat.say("SKU#<b>x</b>#<i>y</i>#<a href='z'>q</a>#&extra")
    chat.say("SKU#<b>#" + "<" * 300 + "#&")
    chat.say("SKU##<script>#&")
    chat.say("SKU <b>")
    # A note by the village office, shown in Status.
    with session_factory.begin() as session:
        session.execute(update(LetterRequest).values(note="<b>ditolak</b> & <i>lengkapi"))
    assert "<b>ditolak</b> & <i>lengkapi" in chat.say("Status")


def test_guided_answers_are_echoed_escaped(chat):
    chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    chat.say("AJUKAN SKU")
    business, purpose, use = HTML_INPUTS[:3]
    chat.say("<&")  # too short: the refusal repeats the question, not the answer
    chat.say(business)
    chat.say(purpose)
    summary = chat.say(use)
    assert all(value in summary for value in (business, purpose, use))
    chat.say("AJUKAN UBAH <b>usaha</b>")
    chat.say("AJUKAN UBAH usaha")
    assert "<img src=x onerror=alert(1)>" in chat.say("<img src=x onerror=alert(1)>")
    submitted = chat.say("AJUKAN KIRIM")
    assert "berhasil diajukan" in submitted and "<img src=x onerror=alert(1)>" in submitted
    chat.say("<b>just chatting</b> & more")
    chat.say("AJUKAN <script>", callback_query_id="<b>q</b>")


def test_strangers_get_no_echo_either(chat):
    for text in HTML_INPUTS + ("DAFTAR#<b>#</b>", "SKU#<b>x</b>#y#z", "AJUKAN <i>"):
        assert "<" not in chat.say(text).replace(REGISTRY_VALUES["village"], "")


markup_text = st.lists(st.one_of(
    st.sampled_from(["<", ">", "&", "&amp;", "&lt;", "&#60;", "&#x3c;", "<b>", "</b>", "<a href='",
                     "'>", "</a>", "<tg-spoiler>", "<br/>", "<!--", "-->", "<![CDATA[", "\"", "'",
                     " ", "x", "ab", "Ayam"]),
    st.text(max_size=4)), min_size=1, max_size=30).map("".join)


@settings(HOSTILE, max_examples=40)
@given(fields=st.lists(markup_text, min_size=3, max_size=3))
def test_any_markup_in_a_request_comes_back_escaped(session_factory, fields):
    chat = Chat(session_factory, chat_id=CHAT + 1)
    chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")  # from the second example on: already registered
    submitted = chat.say("#".join(["SKU", *fields]))
    if "berhasil diajukan" in submitted:
        assert all(clean(field) in submitted for field in fields)
    cancel_request(chat.say)
    chat.say("AJUKAN SKUM")
    for answer in fields:
        chat.say(answer)
    submitted = chat.say("AJUKAN KIRIM")
    if "berhasil diajukan" in submitted:
        assert all(clean(field) in submitted for field in fields)
    chat.say("Status")
    cancel_request(chat.say)
