"""The verification page the QR code on each letter opens: the public key and the list of
withdrawn letters (libs/revocations.py), no database.

    signed by our key, not withdrawn, list current   200 "Surat ini ASLI"
    signed by our key, withdrawn                     410 "Surat ini DICABUT" (date, reason)
    signed, but the list is not current yet          503 "belum dapat dipastikan" (never ASLI)
    anything else                                    404 "TIDAK dapat diverifikasi"
    no LETTER_VERIFY_KEY                             503 "belum tersedia"
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, current_app, render_template_string
from markupsafe import Markup

from libs import texts
from libs.formatting import tanggal
from libs.letter_tokens import load_public_key, verify
from libs.revocations import Revocation

log = logging.getLogger(__name__)
bp = Blueprint("verify", __name__)

GENUINE, REVOKED, UNCONFIRMED = "genuine", "revoked", "unconfirmed"
NOT_GENUINE, UNAVAILABLE = "not_genuine", "unavailable"
STATUS = {GENUINE: 200, REVOKED: 410, UNCONFIRMED: 503, NOT_GENUINE: 404, UNAVAILABLE: 503}
# How long a request waits for the list of withdrawn letters when it is not current (the
# process just started, or the broker is away) before saying that it cannot tell.
LIST_WAIT = 2.0
RETRY_AFTER = "30"
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
    """What the letter with this token is: genuine, withdrawn, not ours, or not yet known."""
    public_key = _public_key()
    if public_key is None:
        return _page(UNAVAILABLE)
    claims = verify(public_key, token)
    if claims is None:
        return _page(NOT_GENUINE)
    follower = current_app.extensions.get("revocation_follower")
    if follower is not None:
        follower.start()  # already following, unless served by a plain `gunicorn` command
    revocations = current_app.extensions["revocations"]
    current = revocations.wait_current(LIST_WAIT)  # then look: it may have come meanwhile
    revocation = revocations.find(token)
    if revocation is not None:
        return _page(REVOKED, claims, revocation)
    return _page(GENUINE if current else UNCONFIRMED, claims)


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


def village_of(claims: dict) -> str | None:
    """`Sumbermulyo (kode desa 3517092006)`, or None for a token signed before it named it."""
    name, code = str(claims.get("ds") or "").strip(), str(claims.get("kd") or "").strip()
    if not name:
        return None
    return texts.VERIFY_VILLAGE.format(name=name, code=code) if code else name


def particulars(claims: dict) -> list[tuple[str, str | list[str] | None]]:
    """The rows shown for a signed letter, as text (the template escapes them); None for what
    the token does not hold; the number as its parts between slashes, so that a narrow screen
    breaks it only there."""
    shown = (village_of(claims), str(claims.get("k", "-")), str(claims.get("n", "-")).split("/"),
             _date(claims.get("d")), str(claims.get("i", "-")), str(claims.get("m", "-")))
    return list(zip(texts.VERIFY_PARTICULARS, shown, strict=True))


def _date(text: object) -> str:
    """An ISO date in Indonesian (`28 November 2026`), or the text itself if it is not one."""
    try:
        return tanggal(date.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def paragraphs(outcome: str, village: str | None,
               revocation: Revocation | None) -> list[tuple[str, Markup]]:
    """The outcome's paragraphs (libs/texts.py) as (class, HTML), the values in them escaped."""
    values = {"village": f" {village}" if village else "",
              "revoked_on": tanggal(revocation.revoked_on) if revocation else ""}
    shown = [(css, Markup(text).format(**values))
             for css, text in texts.VERIFY_OUTCOMES[outcome][1]]
    if revocation is not None and revocation.reason:
        shown.append(("reason", Markup(texts.VERIFY_REASON).format(reason=revocation.reason)))
    return shown


def _page(outcome: str, claims: dict | None = None, revocation: Revocation | None = None):
    """The page, autoescaped (render_template_string escapes every value)."""
    village = village_of(claims) if claims else None
    html = render_template_string(
        PAGE, texts=texts, outcome=outcome, heading=Markup(texts.VERIFY_OUTCOMES[outcome][0]),
        paragraphs=paragraphs(outcome, village, revocation),
        particulars=particulars(claims) if claims else [], village=village)
    headers = {"Content-Type": "text/html; charset=utf-8", **HEADERS}
    if outcome == UNCONFIRMED:
        headers["Retry-After"] = RETRY_AFTER
    return html, STATUS[outcome], headers


# In the module rather than a templates/ folder: nothing to add to the package data.
PAGE = """\
<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ texts.VERIFY_TITLE }}</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: #f3f4f6; color: #1f2937; }
  main { max-width: 34rem; margin: 2rem auto; padding: 0 1rem; }
  .card { background: #fff; border-radius: .75rem; padding: 1.5rem;
          box-shadow: 0 1px 3px rgba(0, 0, 0, .12); border-top: .5rem solid #6b7280; }
  .genuine { border-top-color: #15803d; }
  .revoked, .not_genuine { border-top-color: #b91c1c; }
  .unconfirmed, .unavailable { border-top-color: #b45309; }
  h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
  .genuine h1 { color: #15803d; }
  .revoked h1, .not_genuine h1 { color: #b91c1c; }
  .unconfirmed h1, .unavailable h1 { color: #b45309; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 1rem 0; }
  dt { color: #6b7280; }
  dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  /* The letter number breaks only after a slash: each part stays whole. */
  dd.number { overflow-wrap: normal; }
  dd.number span { white-space: nowrap; }
  dd.unknown { font-weight: 400; font-style: italic; color: #6b7280; }
  .reason { background: #fef2f2; border-left: .25rem solid #b91c1c; padding: .5rem .75rem; }
  p { line-height: 1.5; }
  .note { font-size: .875rem; color: #6b7280; }
  /* A phone: each label above its value, the whole width for the value. */
  @media (max-width: 30rem) {
    main { margin: 1rem auto; padding: 0 .75rem; }
    .card { padding: 1.25rem 1rem; }
    h1 { font-size: 1.3rem; }
    dl { grid-template-columns: 1fr; gap: 0; }
    dt { font-size: .875rem; }
    dd { margin-bottom: .6rem; }
  }
</style>
</head>
<body>
<main>
  <div class="card {{ outcome }}">
    <h1>{{ heading }}</h1>
  {% for class, text in paragraphs %}
    <p{% if class %} class="{{ class }}"{% endif %}>{{ text }}</p>
  {% endfor %}
  {% if particulars %}
    <dl>
    {% for label, value in particulars %}
      <dt>{{ label }}</dt>
      {% if value is none %}<dd class="unknown">{{ texts.VERIFY_NOT_IN_TOKEN }}</dd>
      {% elif value is string %}<dd>{{ value }}</dd>
      {% else %}<dd class="number">
        {%- for part in value %}<span>{{ part }}{{ "/" if not loop.last }}</span>
        {%- if not loop.last %}<wbr>{% endif %}{% endfor -%}
      </dd>{% endif %}
    {% endfor %}
    </dl>
    {% if not village %}
    <p class="note">{{ texts.VERIFY_OLD_TOKEN }}</p>
    {% endif %}
    {% if outcome == "genuine" %}
    <p class="note">{{ texts.VERIFY_GENUINE_CHECK }}</p>
    {% endif %}
  {% endif %}
  </div>
</main>
</body>
</html>
"""
