"""Long polling: getUpdates feeds the webhook's exchange, for a bot with no public address.

Telegram keeps an update (for 24 h) until a getUpdates call asks for an offset past it. The
poller publishes each update with a broker confirm and only then moves its offset past it, so
Telegram never forgets an update the broker does not hold: a poller killed at any point loses
nothing and at worst publishes an update again, which the workers' inbox recognises by its
update_id.

    getUpdates fails (network, 5xx)       -> wait 1, 2, 4 ... 30 s, then ask again
    429                                   -> wait Telegram's retry_after
    409 (a webhook is set, another poller) -> say so, wait 30 s, ask again; never fights back
    the broker does not confirm            -> the offset stays; the same updates come again
    an update we cannot parse              -> logged and confirmed (it would never succeed)

At start the poller removes a webhook if one is set (Telegram answers 409 to getUpdates while
one is): choosing long polling means choosing it over the webhook.
"""

from __future__ import annotations

import logging
import signal
import threading
from urllib.parse import urlsplit

from libs.errors import ServiceError
from libs.telegram import Conflict, RateLimited, TelegramClient
from services.gateway.ingest import accept
from services.gateway.updates import InvalidUpdate

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open when nothing is waiting
MAX_BACKOFF = 30.0
CONFLICT_WAIT = 30.0


class _Interrupted(Exception):
    """Raised by the signal handler to end a long poll at once."""


class Poller:
    """Moves updates from getUpdates into the broker, one confirmed publish at a time."""

    def __init__(self, client: TelegramClient, publisher, *, poll_timeout: int = POLL_TIMEOUT):
        self._client = client
        self._publisher = publisher
        self._poll_timeout = poll_timeout
        self._stop = threading.Event()
        self._in_long_poll = False
        self.offset: int | None = None  # the next update_id wanted; Telegram drops those before

    def drop_webhook(self) -> None:
        """Remove a webhook, if one is set, keeping its pending updates for getUpdates."""
        info = self._client.call("getWebhookInfo")
        if info.get("url"):
            log.warning("removing the webhook (%s) so that long polling can work",
                        _host(info["url"]))
            self._client.call("deleteWebhook", {"drop_pending_updates": False})

    def poll_once(self) -> int:
        """One getUpdates round; returns how many updates it brought."""
        self._in_long_poll = True
        try:
            updates = self._client.get_updates(self.offset, timeout=self._poll_timeout)
        finally:
            self._in_long_poll = False
        for update in updates:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if type(update_id) is not int:
                log.error("getUpdates returned something that is not an Update; skipped")
                continue
            try:
                accept(update, self._publisher)  # raises ServiceError: offset stays here
            except InvalidUpdate as exc:
                log.warning("update %s skipped: %s", update_id, exc)
            self.offset = update_id + 1
        return len(updates)

    def run(self) -> None:
        """Poll until stop(); every failure is waited out, none ends the loop."""
        failures = 0
        while not self._stop.is_set():
            try:
                self.poll_once()
                failures = 0
                continue
            except _Interrupted:
                break
            except Conflict as exc:
                log.warning("Telegram refuses getUpdates (%s): a webhook was set or another "
                            "poller runs with this token; asking again in %.0f s",
                            exc, CONFLICT_WAIT)
                delay = CONFLICT_WAIT
            except RateLimited as exc:
                delay = exc.retry_after or 1.0
                log.warning("getUpdates rate limited; waiting %.0f s", delay)
            except ServiceError as exc:
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** (failures - 1))
                log.warning("polling failed (%s); trying again in %.0f s", exc, delay)
            self._stop.wait(delay)

    def stop(self) -> None:
        """Ask run() to return after the current round."""
        self._stop.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT end the loop at once, even in the middle of a long poll."""

        def on_signal(signum, frame):
            self.stop()
            if self._in_long_poll:
                raise _Interrupted  # nothing taken yet in this round: the offset is unchanged

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)


def _host(url: str) -> str:
    """The host part of a URL: a webhook URL may carry a secret path."""
    return urlsplit(url).hostname or "?"
