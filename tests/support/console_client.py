"""A staff member's browser session on the staff console, for the end-to-end tests."""

from __future__ import annotations

import re

import requests


class Staff:
    """Logs in to the console and posts its forms with their CSRF token, as a browser does."""

    def __init__(self, console: str, username: str, password: str):
        self.console = console
        self.http = requests.Session()
        self.post("/masuk", "/masuk", username=username, password=password)

    def post(self, page: str, action: str, **form) -> requests.Response:
        """Open `page`, then submit `form` to `action` with the page's CSRF token."""
        html = self.http.get(self.console + page, timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = self.http.post(self.console + action, data={"csrf_token": token, **form},
                                  timeout=30)
        response.raise_for_status()
        return response


def texts_of(messages: list[dict]) -> str:
    """The texts and captions of the bot's messages, one per line."""
    return "\n".join(m.get("text") or m.get("caption") or "" for m in messages)
