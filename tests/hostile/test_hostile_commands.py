"""The command parser under fuzzing: any text routes somewhere, and the Command travels intact."""

from __future__ import annotations

import pytest
from hostile_inputs import (
    HOSTILE,
    ONE_LINERS,
    huge_text,
    resident_text,
    with_hash_at_every_position,
)
from hypothesis import given, settings

from libs.contracts import MAX_TEXT, decode_command, encode
from services.gateway.commands import MAX_ARG, parse_text
from services.gateway.updates import parse_update

ACTIONS = {
    "data": {"start", "register", "biodata", "keluarga", "pkh", "bpnt", "kis", "unknown"},
    "letter": {"list", "status", "cancel", "draft", "help", "request", "answer"},
}


def routed_sanely(text: str):
    """parse_text(text), checked against what the workers can take."""
    parsed = parse_text(text)
    assert parsed.action in ACTIONS[parsed.service]
    assert all(isinstance(arg, str) and len(arg) <= MAX_ARG for arg in parsed.args)
    if parsed.action == "request":
        assert parsed.args[0] in {"SKU", "SKD", "SKCK", "SKBPN", "SKUM"}
    if parsed.action in ("request", "register") and "#" in text:
        assert not any("#" in arg for arg in parsed.args)
    return parsed


def through_the_gateway(text: str):
    """The Command the gateway would publish for `text` typed in a private chat."""
    command = parse_update({"update_id": 1, "message": {
        "message_id": 1, "date": 1764300000, "text": text,
        "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "first_name": "Sari"}}})
    assert decode_command(encode(command)) == command
    assert len(command.text) <= MAX_TEXT
    return command


@settings(HOSTILE, max_examples=1000)
@given(text=resident_text)
def test_any_text_routes_somewhere_and_travels(text):
    routed_sanely(text)
    through_the_gateway(text)


@pytest.mark.parametrize("line", ONE_LINERS)
def test_a_hash_at_every_position_of_a_one_liner(line):
    for text in with_hash_at_every_position(line):
        parsed = routed_sanely(text)
        command = through_the_gateway(text)
        assert (command.service, command.action, command.args) == parsed


@settings(HOSTILE, max_examples=40)
@given(text=huge_text)
def test_texts_of_100_kb(text):
    routed_sanely(text)
    through_the_gateway(text)


@pytest.mark.parametrize("text", [
    "#" * 100_000,
    "SKU" + "#x" * 50_000,
    "DAFTAR " + "1 " * 50_000,
    "DAFTAR#" + "3517" * 25_000,
    "\u200b" * 100_000,
    "AJUKAN " + "UBAH " * 20_000,
    " " * 99_999 + "Biodata",
    "\x00" * 100_000,
])
def test_pathological_100_kb_texts(text):
    parsed = routed_sanely(text)
    assert through_the_gateway(text).args == parsed.args
