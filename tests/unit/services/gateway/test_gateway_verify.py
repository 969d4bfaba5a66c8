"""GET /verify/<token>: genuine letters, withdrawn ones, tampered or forged ones, a list of
withdrawn letters not loaded yet, and a gateway without a key."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.config import Settings
from libs.letter_tokens import public_key_text, sign
from libs.revocations import Revocation, RevocationList, token_digest
from services.gateway import verify
from services.gateway.app import create_app

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
CLAIMS = {"k": "Surat Keterangan Usaha", "n": "S-14/007/3517092006/XI/2026", "d": "2026-11-28",
          "i": "B. S.", "m": "3517**********01", "r": 42, "ds": "Sumbermulyo",
          "kd": "3517092006"}
TOKEN = sign(KEY, CLAIMS)
# Signed by KEY before tokens named the village (the claims of the first letters issued).
OLD_TOKEN = (
    "eyJkIjoiMjAyNi0xMS0yOCIsImkiOiJCLiBTLiIsImsiOiJTdXJhdCBLZXRlcmFuZ2FuIFVzYWhhIiwibSI6IjM1"
    "MTcqKioqKioqKioqMDEiLCJuIjoiUy0xNC8wMDcvMzUxNzA5MjAwNi9YSS8yMDI2IiwiciI6NDIsInYiOjF9."
    "GKc7yfGtwEIi5f6S73fbJInWegOTw05evwRvnPQZeYaLhVD9lW7CwE0ZixsbRW_Fi4jHa-QM7oF7vT6JetEeDw")


def client_for(verify_key: str, revocations: RevocationList | None = None):
    if revocations is None:
        revocations = RevocationList(current=True)
    app = create_app(Settings(telegram_webhook_secret="s", letter_verify_key=verify_key),
                     publisher=object(), revocations=revocations)
    return app.test_client()


def withdrawn(token: str, reason: str = "") -> Revocation:
    return Revocation(token_sha256=token_digest(token), request_id=42,
                      number="S-14/007/3517092006/XI/2026", revoked_on=date(2026, 12, 3),
                      reason=reason)


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


@pytest.fixture(scope="module")
def client():
    return client_for(public_key_text(KEY.public_key()))


def test_a_genuine_letter(client):
    response = client.get(f"/verify/{TOKEN}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    for expected in ("Surat ini ASLI", "Surat Keterangan Usaha", "S-14/007/3517092006/XI/2026",
                     "28 November 2026", "B. S.", "3517**********01",
                     "Pemerintah Desa Sumbermulyo (kode desa 3517092006)",
                     "tidak tercatat sebagai surat yang dicabut"):
        assert expected in text_of(page)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_number_may_break_only_after_its_slashes(client):
    page = client.get(f"/verify/{TOKEN}").get_data(as_text=True)
    assert ('<dd class="number"><span>S-14/</span><wbr><span>007/</span><wbr>'
            '<span>3517092006/</span><wbr><span>XI/</span><wbr><span>2026</span></dd>') in page


def test_a_token_from_before_the_village_was_named_still_verifies(client):
    response = client.get(f"/verify/{OLD_TOKEN}")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200 and "Surat ini ASLI" in page
    assert "Desa penerbit tidak tercantum pada kode surat ini" in page
    assert "cocokkan nama desa dengan kop surat" in page
    assert "S-14/007/3517092006/XI/2026" in page


def test_a_withdrawn_letter_is_dicabut_with_its_date_and_reason():
    client = client_for(public_key_text(KEY.public_key()),
                        RevocationList((withdrawn(TOKEN, "Data usaha tidak benar"),),
                                       current=True))
    response = client.get(f"/verify/{TOKEN}")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 410
    assert "Surat ini DICABUT" in page and "Surat ini ASLI" not in page
    assert "dicabut pada 3 Desember 2026 dan tidak berlaku lagi" in page
    assert "Alasan pencabutan: Data usaha tidak benar" in page
    assert "S-14/007/3517092006/XI/2026" in page and "Sumbermulyo" in page
    # Another letter of the same village is untouched
    other = sign(KEY, {**CLAIMS, "r": 43, "n": "S-14/008/3517092006/XI/2026"})
    assert client.get(f"/verify/{other}").status_code == 200


def test_a_withdrawn_letter_without_a_reason_and_an_old_token():
    client = client_for(public_key_text(KEY.public_key()),
                        RevocationList((withdrawn(OLD_TOKEN),), current=True))
    response = client.get(f"/verify/{OLD_TOKEN}")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 410 and "Surat ini DICABUT" in page
    assert "Alasan" not in page


def test_before_the_list_is_loaded_the_page_never_says_asli(monkeypatch):
    monkeypatch.setattr(verify, "LIST_WAIT", 0.05)
    client = client_for(public_key_text(KEY.public_key()), RevocationList(current=False))
    response = client.get(f"/verify/{TOKEN}")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "ASLI" not in page and "belum dapat dipastikan surat ini masih berlaku" in page
    assert "Tanda tangan elektronik pada surat ini sah" in page
    assert "S-14/007/3517092006/XI/2026" in page
    # A revocation already known is said even so
    known = client_for(public_key_text(KEY.public_key()),
                       RevocationList((withdrawn(TOKEN),), current=False))
    assert known.get(f"/verify/{TOKEN}").status_code == 410


def test_a_revocation_read_while_the_page_waits_for_the_list_is_said():
    # Given a gateway just started: its follower reads the stream while the request waits
    revocations = RevocationList()
    client = client_for(public_key_text(KEY.public_key()), revocations)

    def read_the_stream():
        revocations.add(withdrawn(TOKEN))
        revocations.set_current(True)

    threading.Timer(0.2, read_the_stream).start()
    assert client.get(f"/verify/{TOKEN}").status_code == 410


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
