"""Letter verification tokens: genuine ones verify, anything altered or forged does not."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from libs import letter_tokens
from libs.letter_tokens import (
    generate_keypair,
    initials,
    load_private_key,
    load_public_key,
    sign,
    verify,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
CLAIMS = {"k": "Surat Keterangan Usaha", "n": "S-14/007/3517092006/XI/2026", "d": "2026-11-28",
          "i": "B. S.", "m": "3517**********01", "r": 42}
TOKEN = sign(KEY, CLAIMS)


def test_round_trip():
    assert verify(KEY.public_key(), TOKEN) == {**CLAIMS, "v": 1}
    assert "=" not in TOKEN and TOKEN.count(".") == 1
    assert len(TOKEN) < 300  # small enough for a readable QR code


def test_a_token_signed_before_the_village_was_named_still_verifies():
    # Signed by KEY with the claims of the first letters issued (no `ds`, no `kd`)
    old = ("eyJkIjoiMjAyNi0xMS0yOCIsImkiOiJCLiBTLiIsImsiOiJTdXJhdCBLZXRlcmFuZ2FuIFVzYWhhIiwibSI6"
           "IjM1MTcqKioqKioqKioqMDEiLCJuIjoiUy0xNC8wMDcvMzUxNzA5MjAwNi9YSS8yMDI2IiwiciI6NDIsInYi"
           "OjF9.GKc7yfGtwEIi5f6S73fbJInWegOTw05evwRvnPQZeYaLhVD9lW7CwE0ZixsbRW_Fi4jHa-QM7oF7vT6J"
           "etEeDw")
    assert verify(KEY.public_key(), old) == {**CLAIMS, "v": 1}
    named = sign(KEY, {**CLAIMS, "ds": "Sumbermulyo", "kd": "3517092006"})
    assert verify(KEY.public_key(), named)["ds"] == "Sumbermulyo"
    assert len(named) < 340  # still a readable QR code


def test_equal_claims_give_the_same_token():
    assert sign(KEY, dict(reversed(CLAIMS.items()))) == TOKEN


@pytest.mark.parametrize("position", range(len(TOKEN)))
def test_one_changed_character_anywhere_is_refused(position):
    replacement = "A" if TOKEN[position] != "A" else "B"
    altered = TOKEN[:position] + replacement + TOKEN[position + 1:]
    assert verify(KEY.public_key(), altered) is None


def test_another_key_is_refused():
    assert verify(OTHER_KEY.public_key(), TOKEN) is None
    assert verify(KEY.public_key(), sign(OTHER_KEY, CLAIMS)) is None


@pytest.mark.parametrize("token", ["", ".", "abc", "a.b.c", TOKEN + ".", TOKEN + "=",
                                   "é." + TOKEN, TOKEN.replace(".", ""), "x" * 2000])
def test_malformed_tokens_are_refused(token):
    assert verify(KEY.public_key(), token) is None


def test_too_long_or_wrong_version_is_refused(monkeypatch):
    assert verify(KEY.public_key(), sign(KEY, {**CLAIMS, "k": "x" * 800})) is None
    monkeypatch.setattr(letter_tokens, "VERSION", 2)
    assert verify(KEY.public_key(), TOKEN) is None


@given(st.text(max_size=1200))
def test_any_text_is_refused_without_raising(text):
    assert verify(KEY.public_key(), text) is None


@given(st.dictionaries(st.sampled_from("kndimr"), st.text(max_size=60) | st.integers()))
def test_any_claims_round_trip(claims):
    assert verify(KEY.public_key(), sign(KEY, claims)) == {**claims, "v": 1}


def test_initials():
    assert initials("BUDI SANTOSO") == "B. S."
    assert initials("  siti  aminah binti x ") == "S. A. B. X."


def test_keypair_files(tmp_path):
    path, public_text = generate_keypair(tmp_path / "keys")
    assert path.name == "letter-signing-key.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    token = sign(load_private_key(path), CLAIMS)
    assert verify(load_public_key(public_text), token) is not None
    with pytest.raises(FileExistsError):
        generate_keypair(tmp_path / "keys")


def test_a_bad_public_key_text_is_a_value_error():
    for text in ("", "abc", "!" * 43):
        with pytest.raises(ValueError):
            load_public_key(text)


def test_keygen_prints_the_line_for_the_gateway(tmp_path, capsys):
    from services.letter_service.keys import keygen

    assert keygen(["--dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    [public] = [line for line in lines if line.startswith("LETTER_VERIFY_KEY=")]
    load_public_key(public.partition("=")[2])
    with pytest.raises(SystemExit) as stopped:
        keygen(["--dir", str(tmp_path)])
    assert stopped.value.code == 1
