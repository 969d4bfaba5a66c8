"""The verification page in Debian's Chromium at phone widths: the village named, the letter
number broken only after its slashes, nothing wider than the screen, for a genuine letter, a
withdrawn one, one whose withdrawal cannot be checked yet and one signed before the village was
named. A full-page screenshot of each is kept (SCREENSHOT_DIR, else the test's tmp_path)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from libs.config import Settings
from libs.letter_tokens import public_key_text, sign
from libs.revocations import Revocation, RevocationList, token_digest
from services.gateway import verify
from services.gateway.app import create_app
from tools.telegram_sim.testing import serve

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NUMBER = "S-14/007/3517092006/XI/2026"
CLAIMS = {"k": "Surat Keterangan Belum Pernah Menikah", "n": NUMBER, "d": "2026-11-28",
          "i": "B. S.", "m": "3517**********01", "r": 42, "ds": "Sumbermulyo",
          "kd": "3517092006"}
TOKENS = {
    "genuine": sign(KEY, CLAIMS),
    "revoked": sign(KEY, {**CLAIMS, "r": 43}),
    "old": sign(KEY, {k: v for k, v in CLAIMS.items() if k not in ("ds", "kd")}),
}
HEADINGS = {"genuine": "Surat ini ASLI", "revoked": "Surat ini DICABUT",
            "unconfirmed": "belum dapat dipastikan", "old": "Surat ini ASLI"}
WIDTHS = (320, 360, 390)
REVOCATION = Revocation(token_digest(TOKENS["revoked"]), 43, NUMBER, date(2026, 12, 3),
                        "Surat diterbitkan untuk keperluan yang keliru; pemohon diminta "
                        "mengajukan ulang")

# Where each line of each part of the number lies, whether the page is wider than the screen.
LAYOUT = """() => {
  const parts = [...document.querySelectorAll("dd.number span")];
  return {
    lines: parts.map(span => span.getClientRects().length),
    text: document.querySelector("dd.number").textContent,
    rows: new Set(parts.map(span => Math.round(span.getBoundingClientRect().top))).size,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def app_with(revocations: RevocationList):
    return create_app(Settings(telegram_webhook_secret="s",
                               letter_verify_key=public_key_text(KEY.public_key())),
                      publisher=object(), revocations=revocations)


@pytest.fixture(scope="module")
def gateways():
    """A gateway whose list is current (one letter withdrawn), and one whose list is not."""
    with serve(app_with(RevocationList((REVOCATION,), current=True))) as current, \
            serve(app_with(RevocationList())) as loading:
        yield current, loading


@pytest.fixture
def shots(tmp_path) -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("outcome", ["genuine", "revoked", "unconfirmed", "old"])
def test_the_page_on_a_phone(browser, gateways, shots, monkeypatch, outcome, width):
    monkeypatch.setattr(verify, "LIST_WAIT", 0.05)
    base = gateways[1] if outcome == "unconfirmed" else gateways[0]
    token = TOKENS.get(outcome, TOKENS["genuine"])
    context = browser.new_context(viewport={"width": width, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/verify/{token}")
        assert HEADINGS[outcome] in page.locator("h1").inner_text()
        layout = page.evaluate(LAYOUT)
        page.screenshot(path=shots / f"verify-{outcome}-{width}.png", full_page=True)
        body = page.locator("main").inner_text()
    finally:
        context.close()

    assert layout["text"] == NUMBER
    assert layout["lines"] == [1] * 5, layout  # no part of the number is cut
    assert layout["overflow"] <= 0, layout  # nothing wider than the screen
    if outcome == "old":
        assert "tidak tercantum pada kode surat ini" in body
    else:
        assert "Sumbermulyo (kode desa 3517092006)" in body
    if outcome == "revoked":
        assert "dicabut pada 3 Desember 2026" in body and "Alasan pencabutan" in body
    if outcome == "unconfirmed":
        assert "ASLI" not in body
