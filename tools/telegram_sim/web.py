"""The chat page: `/` is a Telegram-like private chat with the bot, its files under /sim/static/.

Plain HTML, CSS and ES modules, no build step. The page talks only to the control API.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

STATIC = Path(__file__).with_name("static")
# Explicit types: Python's mimetypes reads the system's table, which differs between machines
# (Flask adds "; charset=utf-8" to the text types).
CONTENT_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# Only the page's own files run; bot and resident text is never markup anyway.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

bp = Blueprint("web", __name__)


@bp.get("/")
def page():
    """The chat page."""
    return _static_file("index.html")


@bp.get("/sim/static/<path:name>")
def static_file(name: str):
    """A file of the page (scripts, styles, icons)."""
    return _static_file(name)


def _static_file(name: str):
    content_type = CONTENT_TYPES.get(Path(name).suffix.lower())
    if content_type is None:
        abort(404)
    response = send_from_directory(STATIC, name, mimetype=content_type)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
