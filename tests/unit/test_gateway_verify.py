"""GET /verify/<token>: genuine letters, tampered or forged ones, and a gateway without a key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.config import Settings
from libs.letter_tokens import public_key_text, sign
from services.gateway.app import create_app

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
CLAIMS = {"k": "Surat Keterangan Usaha", "n": "S-14/007/3517092006/XI/2026", "d": "2026-11-28",
          "i": "B. S.", "m": "3517**********01", "r": 42}
TOKEN = sign(KEY, CLAIMS)


def client_for(verify_key: str):
    app = create_app(Settings(telegram_webhook_secret="s", letter_verify_key=verify_key),
                     publisher=object())
    return app.test_client()


@pytest.fixture(scope="module")
def client():
    return client_for(public_key_text(KEY.public_key()))


def test_a_genuine_letter(client):
    response = client.get(f"/verify/{TOKEN}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    for expected in ("Surat ini ASLI", "Surat Keterangan Usaha", "S-14/007/3517092006/XI/2026",
                     "28 November 2026", "B. S.", "3517**********01"):
        assert expected in page
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_tampered_letter(client):
    altered = TOKEN[:10] + ("A" if TOKEN[10] != "A" else "B") + TOKEN[11:]
    response = client.get(f"/verify/{altered}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "TIDAK dapat diverifikasi" in page and "bukan surat asli" in page
    assert "Surat ini ASLI" not in page


def test_a_forged_letter(client):
    response = client.get(f"/verify/{sign(OTHER_KEY, CLAIMS)}")
    assert response.status_code == 404
    assert "bukan surat asli" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/verify/", "/verify/a/b", "/verify/%00",
                                  "/verify/" + "x" * 5000])
def test_odd_paths_are_not_genuine(client, path):
    assert client.get(path).status_code == 404


def test_values_are_escaped(client):
    token = sign(KEY, {**CLAIMS, "k": "<script>alert(1)</script>"})
    page = client.get(f"/verify/{token}").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("verify_key", ["", "not-a-key"])
def test_without_a_key_the_page_says_so(verify_key):
    response = client_for(verify_key).get(f"/verify/{TOKEN}")
    assert response.status_code == 503
    assert "belum diatur" in response.get_data(as_text=True)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_never_a_server_error(client, text):
    response = client.get("/verify/" + text)
    assert response.status_code < 500  # "/verify//" is redirected (308) by werkzeug
