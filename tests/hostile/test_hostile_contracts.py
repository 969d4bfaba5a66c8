"""The message contracts on garbage: anything malformed is a DecodeError, nothing else."""

from __future__ import annotations

import json

import pytest
from hostile_inputs import HOSTILE, json_value
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.contracts import decode_command, decode_outgoing
from libs.errors import DecodeError


def decoded_or_refused(decode, body) -> None:
    try:
        decode(body)
    except DecodeError:
        pass


@settings(HOSTILE, max_examples=150)
@given(body=st.one_of(st.binary(max_size=300), json_value.map(json.dumps)))
@pytest.mark.parametrize("decode", [decode_command, decode_outgoing])
def test_garbage_is_a_decode_error(decode, body):
    decoded_or_refused(decode, body)


@pytest.mark.parametrize("decode", [decode_command, decode_outgoing])
@pytest.mark.parametrize("body", [b"[" * 50_000 + b"]" * 50_000,
                                  b'{"message_id": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001])
def test_json_nested_past_the_stack_is_a_decode_error(decode, body):
    with pytest.raises(DecodeError):
        decode(body)
