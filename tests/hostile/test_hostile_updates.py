"""The Update parser under fuzzing: only InvalidUpdate or None or a Command that travels intact."""

from __future__ import annotations

import json

import pytest

from libs.contracts import decode_command, encode
from services.gateway.updates import InvalidUpdate, parse_update


def assert_travels(command) -> None:
    """A Command the gateway publishes must be one the workers accept, unchanged."""
    body = encode(command)
    assert decode_command(body) == command
    assert (command.service, command.action) != ("", "")


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
