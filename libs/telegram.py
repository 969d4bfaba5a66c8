"""Telegram Bot API client: one requests.Session, explicit timeouts, errors mapped to ours.

    2xx with ok=true   -> the result
    400                -> BadRequest (permanent: the same call fails the same way)
    403                -> Forbidden (permanent: the resident blocked the bot)
    401, 404           -> Unauthorized (transient: the token is wrong until someone fixes it)
    409                -> Conflict (transient: a webhook is set, or another getUpdates runs)
    429                -> RateLimited (transient, with Telegram's retry_after)
    5xx, network errors, timeouts -> TransientError
The token is part of every URL, so no URL and no requests exception text is ever logged or
raised: errors carry the method name and Telegram's description only.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from libs import metrics
from libs.errors import PermanentError, TransientError

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15  # Telegram answers sends in well under a second when it is healthy
ALLOWED_UPDATES = ["message", "callback_query"]  # the only kinds the gateway serves


class BadRequest(PermanentError):
    """Telegram rejected the call itself (400)."""


class Forbidden(PermanentError):
    """The bot may not write to this chat (403): blocked, or the user is gone."""


class Unauthorized(TransientError):
    """Telegram does not know the token (401, or 404 for one it cannot even parse)."""


class Conflict(TransientError):
    """getUpdates refused (409): a webhook is set, or another poller is running."""


class RateLimited(TransientError):
    """Too many requests (429); wait `retry_after` seconds."""


class FileTooLarge(PermanentError):
    """A file to download is larger than the caller accepts."""


class TelegramClient:
    """Calls `{api_url}/bot{token}/{method}`; downloads `{api_url}/file/bot{token}/{path}`."""

    def __init__(self, api_url: str, token: str, session: requests.Session | None = None,
                 read_timeout: float = READ_TIMEOUT):
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._files = f"{api_url.rstrip('/')}/file/bot{token}/"
        self._session = session or requests.Session()
        self._read_timeout = read_timeout

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        files: dict[str, tuple] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """Call a Bot API method and return its result, or raise one of the errors above."""
        timeout = (CONNECT_TIMEOUT, read_timeout or self._read_timeout)
        started = time.monotonic()
        try:
            if files:
                data = {k: _form_value(v) for k, v in (params or {}).items() if v is not None}
                response = self._session.post(
                    self._base + method, data=data, files=files, timeout=timeout
                )
            else:
                body = {k: v for k, v in (params or {}).items() if v is not None}
                response = self._session.post(self._base + method, json=body, timeout=timeout)
        except requests.Timeout:
            _count(method, "timeout", started)
            raise TransientError(f"{method}: Telegram did not answer in time") from None
        except requests.RequestException as exc:
            _count(method, "network", started)
            reason = type(exc).__name__  # never str(exc): it holds the URL, and so the token
            raise TransientError(f"{method}: cannot reach Telegram ({reason})") from None
        _count(method, metrics.http_status(response.status_code), started)
        return _result(method, response)

    def send_message(
        self, chat_id: int, text: str, parse_mode: str | None = "HTML",
        reply_markup: dict | None = None,
    ) -> dict:
        """sendMessage; returns the sent Message."""
        return self.call("sendMessage", {
            "chat_id": chat_id, "text": text, "parse_mode": parse_mode,
            "reply_markup": reply_markup,
        })

    def send_document(
        self, chat_id: int, filename: str, content: bytes, caption: str | None = None,
        parse_mode: str | None = "HTML", reply_markup: dict | None = None,
    ) -> dict:
        """sendDocument with an uploaded file; returns the sent Message."""
        params = {"chat_id": chat_id, "caption": caption, "parse_mode": parse_mode,
                  "reply_markup": reply_markup}
        return self.call("sendDocument", params, files={"document": (filename, content)})

    def download(self, file_path: str, max_bytes: int) -> bytes:
        """The file getFile named `file_path`; FileTooLarge past `max_bytes` (read no further)."""
        started = time.monotonic()
        try:
            with self._session.get(self._files + file_path, stream=True,
                                   timeout=(CONNECT_TIMEOUT, self._read_timeout)) as response:
                if response.status_code != 200:
                    _count("download", metrics.http_status(response.status_code), started)
                    if response.status_code in (400, 404):
                        raise BadRequest(f"download: {response.status_code}")
                    raise TransientError(f"download: {response.status_code}")
                content = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        raise FileTooLarge(f"download: more than {max_bytes} bytes")
        except requests.Timeout:
            _count("download", "timeout", started)
            raise TransientError("download: Telegram did not answer in time") from None
        except requests.RequestException as exc:
            _count("download", "network", started)
            raise TransientError(f"download: cannot reach Telegram ({type(exc).__name__})") \
                from None
        _count("download", "200", started)
        return bytes(content)

    def get_me(self) -> dict:
        """getMe: the bot's own User, and the proof that the token works."""
        return self.call("getMe")

    def get_updates(self, offset: int | None, timeout: int = 25) -> list[dict]:
        """getUpdates (long polling); confirms every update before `offset`."""
        params = {"offset": offset, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
        return self.call("getUpdates", params, read_timeout=timeout + 10)


def _count(method: str, status: str, started: float) -> None:
    metrics.TELEGRAM_CALLS.labels(method, status).inc()
    metrics.TELEGRAM_SECONDS.labels(method).observe(time.monotonic() - started)


def _form_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _result(method: str, response: requests.Response) -> Any:
    try:
        payload = response.json()
    except (ValueError, RecursionError):
        payload = {}  # a proxy's HTML error page, say, or JSON nested past Python's limit
    if not isinstance(payload, dict):
        payload = {}
    if response.status_code == 200 and payload.get("ok"):
        return payload.get("result")
    description = f"{method}: {response.status_code} {payload.get('description', '')}".strip()
    status = response.status_code
    if status == 429:
        retry_after = (payload.get("parameters") or {}).get("retry_after", 1)
        raise RateLimited(description, retry_after=float(retry_after))
    if status == 400:
        raise BadRequest(description)
    if status == 403:
        raise Forbidden(description)
    if status in (401, 404):
        raise Unauthorized(description)
    if status == 409:
        raise Conflict(description)
    raise TransientError(description)
