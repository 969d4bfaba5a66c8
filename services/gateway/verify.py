"""The verification page the QR code on each letter opens: public key only, no database."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, current_app, render_template_string

from libs.formatting import tanggal
from libs.letter_tokens import load_public_key, verify

log = logging.getLogger(__name__)
bp = Blueprint("verify", __name__)

GENUINE, NOT_GENUINE, UNAVAILABLE = "genuine", "not_genuine", "unavailable"
# The token is in the URL: no referrer to other sites, no indexing, nothing loaded from outside.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "no-store",
}


@bp.get("/verify/", defaults={"token": ""})
@bp.get("/verify/<path:token>")
def verify_letter(token: str):
    """'Surat ini ASLI' with the letter's particulars, or 404 for anything not signed by us."""
    public_key = _public_key()
    if public_key is None:
        return _page(UNAVAILABLE, None, 503)
    claims = verify(public_key, token)
    if claims is None:
        return _page(NOT_GENUINE, None, 404)
    return _page(GENUINE, _particulars(claims), 200)


def _public_key():
    """The configured verification key, or None when it is missing or unusable."""
    text = current_app.extensions["settings"].letter_verify_key
    if not text:
        return None
    try:
        return load_public_key(text)
    except ValueError:
        log.error("LETTER_VERIFY_KEY is set but is not a base64url Ed25519 public key")
        return None


def _particulars(claims: dict) -> list[tuple[str, str]]:
    """The rows shown for a genuine letter, as text (the template escapes them)."""
    return [
        ("Jenis surat", str(claims.get("k", "-"))),
        ("Nomor surat", str(claims.get("n", "-"))),
        ("Tanggal surat", _date(claims.get("d"))),
        ("Nama pemegang (inisial)", str(claims.get("i", "-"))),
        ("NIK pemegang", str(claims.get("m", "-"))),
    ]


def _date(text: object) -> str:
    """An ISO date in Indonesian (`28 November 2026`), or the text itself if it is not one."""
    try:
        return tanggal(date.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def _page(outcome: str, particulars: list[tuple[str, str]] | None, status: int):
    """The page, autoescaped (render_template_string escapes every value)."""
    html = render_template_string(PAGE, outcome=outcome, particulars=particulars)
    return html, status, {"Content-Type": "text/html; charset=utf-8", **HEADERS}


# In the module rather than a templates/ folder: nothing to add to the package data.
PAGE = """\
<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Verifikasi Surat Desa</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: #f3f4f6; color: #1f2937; }
  main { max-width: 34rem; margin: 2rem auto; padding: 0 1rem; }
  .card { background: #fff; border-radius: .75rem; padding: 1.5rem;
          box-shadow: 0 1px 3px rgba(0, 0, 0, .12); border-top: .5rem solid #6b7280; }
  .genuine { border-top-color: #15803d; }
  .not_genuine { border-top-color: #b91c1c; }
  .unavailable { border-top-color: #b45309; }
  h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
  .genuine h1 { color: #15803d; }
  .not_genuine h1 { color: #b91c1c; }
  .unavailable h1 { color: #b45309; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 1rem 0; }
  dt { color: #6b7280; }
  dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  p { line-height: 1.5; }
  .note { font-size: .875rem; color: #6b7280; }
</style>
</head>
<body>
<main>
  <div class="card {{ outcome }}">
  {% if outcome == "genuine" %}
    <h1>&#10004; Surat ini ASLI</h1>
    <p>Surat ini diterbitkan dan ditandatangani secara elektronik oleh Pemerintah Desa.
       Cocokkan keterangan di bawah dengan surat yang Anda pegang.</p>
    <dl>
    {% for label, value in particulars %}
      <dt>{{ label }}</dt><dd>{{ value }}</dd>
    {% endfor %}
    </dl>
    <p class="note">Bila isi surat berbeda dari keterangan ini, surat tersebut telah diubah:
       hubungi kantor desa.</p>
  {% elif outcome == "not_genuine" %}
    <h1>&#10008; Surat ini TIDAK dapat diverifikasi</h1>
    <p>Kode pada surat ini tidak dikenali: surat ini <strong>bukan surat asli</strong>, atau
       kodenya rusak atau telah diubah.</p>
    <p class="note">Pindai ulang kode QR pada surat. Bila hasilnya tetap sama, hubungi kantor
       desa.</p>
  {% else %}
    <h1>Verifikasi surat belum tersedia</h1>
    <p>Layanan verifikasi surat belum diatur di server ini (kunci verifikasi belum dipasang),
       sehingga keaslian surat belum dapat diperiksa di sini. Silakan hubungi kantor desa.</p>
  {% endif %}
  </div>
</main>
</body>
</html>
"""
