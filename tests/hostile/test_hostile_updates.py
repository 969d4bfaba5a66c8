"""The Update parser under fuzzing: only InvalidUpdate or None or a Command that travels intact."""

from __future__ import annotations

import json

import pytest
from hostile_inputs import HOSTILE, json_value, served_update, update
from hypothesis import given, settings

from libs.contracts import decode_command, encode
from services.gateway.updates import InvalidUpdate, parse_update


def parsed_or_refused(raw):
    """parse_update's outcome, with the one exception it may raise turned into a value."""
    try:
        return parse_update(raw)
    except InvalidUpdate:
        return InvalidUpdate


def assert_travels(command) -> None:
    """A Command the gateway publishes must be one the workers accept, unchanged."""
    body = encode(command)
    assert decode_command(body) == command
    assert (command.service, command.action) != ("", "")


@settings(HOSTILE, max_examples=1000)
@given(raw=update)
def test_any_update_shaped_json_parses_or_is_refused(raw):
    outcome = parsed_or_refused(raw)
    if outcome not in (None, InvalidUpdate):
        assert_travels(outcome)


@settings(HOSTILE, max_examples=400)
@given(raw=served_update)
def test_a_private_message_or_tap_becomes_a_command_that_travels(raw):
    command = parse_update(raw)
    assert command is not None
    assert_travels(command)
    assert command.chat_id == (raw.get("message") or raw["callback_query"]["message"])["chat"]["id"]


@settings(HOSTILE, max_examples=300)
@given(raw=json_value)
def test_any_json_value_parses_or_is_refused(raw):
    outcome = parsed_or_refused(raw)
    if outcome not in (None, InvalidUpdate):
        assert_travels(outcome)


def private_message(**fields) -> dict:
    message = {"message_id": 1, "date": 1764300000, "chat": {"id": 42, "type": "private"},
               "from": {"id": 42, "is_bot": False, "first_name": "Sari"}, "text": "Biodata"}
    message.update(fields)
    return {"update_id": 7, "message": message}


@pytest.mark.parametrize("body", [
    # json.loads makes a lone surrogate out of these escapes; UTF-8 cannot encode it.
    '{"update_id": 7, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"},'
    ' "from": {"id": 42, "first_name": "\\udc80"}, "text": "DAFTAR#\\ud800#1"}}',
    '{"update_id": 7, "callback_query": {"id": "\\udfff", "from": {"id": 42},'
    ' "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}},'
    ' "data": "AJUKAN \\ud83d"}}',
    '{"update_id": 7, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"},'
    ' "from": {"id": 42, "language_code": "\\ud800"}, "text": "Menu"}}',
])
def test_lone_surrogates_become_replacement_characters(body):
    command = parse_update(json.loads(body))
    assert_travels(command)
    assert "\ufffd" in command.text + command.first_name + (command.callback_query_id or "") + (
        command.language or "")


@pytest.mark.parametrize("update_id", [2**63, -(2**63) - 1, 10**80])
def test_an_update_id_past_64_bits_is_no_update(update_id):
    # Its message id (`tg-<update_id>`) would be one the workers refuse as malformed.
    with pytest.raises(InvalidUpdate):
        parse_update({**private_message(), "update_id": update_id})


@pytest.mark.parametrize("where", ["chat", "from"])
def test_a_chat_or_user_id_past_64_bits_is_ignored(where):
    raw = private_message()
    raw["message"][where] = {**raw["message"][where], "id": 2**64}
    assert parse_update(raw) is None


def test_ids_at_the_64_bit_bounds_still_travel():
    raw = private_message(chat={"id": -(2**63), "type": "private"},
                          **{"from": {"id": 2**63 - 1}})
    assert_travels(parse_update({**raw, "update_id": 2**63 - 1}))
