"""Bot API client: status codes mapped to our errors; the token never leaks into an error."""

from __future__ import annotations

import json

import pytest
import requests

from libs.errors import PermanentError, TransientError
from libs.formatting import escape
from libs.telegram import BadRequest, Forbidden, RateLimited, TelegramClient

TOKEN = "123456:SECRET-TOKEN-VALUE"


class ScriptedSession(requests.Session):
    """A requests.Session whose POST answers with a canned status and body (or raises)."""

    def __init__(self, status=200, payload=None, raises=None):
        super().__init__()
        self.status, self.payload, self.raises = status, payload, raises
        self.calls = []

    def post(self, url, **kwargs):
        self.calls.append((url, kwargs))
        if self.raises:
            raise self.raises
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.payload).encode()
        return response


def client(**kwargs):
    session = ScriptedSession(**kwargs)
    return TelegramClient("http://sim.local", TOKEN, session=session), session


def test_ok_returns_the_result_and_drops_none_parameters():
    bot, session = client(payload={"ok": True, "result": {"message_id": 5}})
    assert bot.send_message(42, "Halo", reply_markup=None) == {"message_id": 5}
    url, kwargs = session.calls[0]
    assert url == f"http://sim.local/bot{TOKEN}/sendMessage"
    assert kwargs["json"] == {"chat_id": 42, "text": "Halo", "parse_mode": "HTML"}
    assert kwargs["timeout"] == (5, 15)


@pytest.mark.parametrize("status, payload, error", [
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
     BadRequest),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
     Forbidden),
    (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
           "parameters": {"retry_after": 7}}, RateLimited),
    (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"},
     TransientError),
    (502, None, TransientError),
    (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, TransientError),
])
def test_statuses_map_to_errors(status, payload, error):
    bot, _ = client(status=status, payload=payload)
    with pytest.raises(error) as caught:
        bot.send_message(42, "x")
    if status == 429:
        assert caught.value.retry_after == 7
    assert issubclass(error, PermanentError) == (status in (400, 403))


@pytest.mark.parametrize("exc", [requests.ConnectTimeout(f"http://x/bot{TOKEN}/sendMessage"),
                                 requests.ConnectionError(f"http://x/bot{TOKEN}/sendMessage")])
def test_network_errors_are_transient_and_never_show_the_token(exc):
    bot, _ = client(raises=exc)
    with pytest.raises(TransientError) as caught:
        bot.send_message(42, "x")
    assert TOKEN not in str(caught.value) and caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_escape_makes_text_safe_for_html_mode():
    assert escape("<b>Tom & Jerry</b> \"x\"") == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; \"x\""


@pytest.mark.parametrize("content", [b"<html><body>502 Bad Gateway</body></html>",
                                     b"[" * 100_000 + b"]" * 100_000])
def test_an_answer_that_is_not_telegrams_json_is_transient(content):
    bot, session = client(status=502)
    session.post = lambda url, **kwargs: _response(502, content)
    with pytest.raises(TransientError, match="getMe: 502"):
        bot.get_me()


def _response(status: int, content: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = content
    return response
