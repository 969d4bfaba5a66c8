"""Posting pending updates to the webhook like Telegram: per-chat order, retry with backoff.

One dispatcher thread claims deliverable updates from the queue (at most max_connections in
flight, one per chat) and starts a short-lived thread per POST. A failed POST is retried after
retry_base_delay, doubling up to retry_max_delay, until the webhook answers 2xx.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http import HTTPStatus

import requests

from tools.telegram_sim.updates import Pending, UpdateQueue, Webhook

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def post_update(hook: Webhook, update: dict, timeout: float) -> str | None:
    """POST one update; None on a 2xx, else Telegram's wording of what went wrong."""
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers[SECRET_HEADER] = hook.secret_token
    body = json.dumps(update, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(hook.url, data=body, headers=headers, timeout=timeout,
                                 allow_redirects=False)
    except requests.ConnectTimeout:
        return "Connection timed out"
    except requests.Timeout:
        return "Read timeout expired"
    except requests.ConnectionError as exc:
        return _connection_error(str(exc))
    except requests.RequestException as exc:
        return f"Connection error: {type(exc).__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"Wrong response from the webhook: {response.status_code} {_phrase(response)}"


def _phrase(response: requests.Response) -> str:
    """The standard reason phrase (servers spell theirs differently; Telegram does not)."""
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason or "Unknown"


def _connection_error(text: str) -> str:
    lowered = text.lower()
    if "refused" in lowered:
        return "Connection refused"
    if "name or service not known" in lowered or "resolve" in lowered:
        return "Failed to resolve host: Name or service not known"
    if "reset" in lowered:
        return "Connection reset by peer"
    return "Connection error"


class WebhookDelivery:
    """Delivers the queue's updates to its webhook until closed."""

    def __init__(self, queue: UpdateQueue, *, base_delay: float, max_delay: float,
                 timeout: float):
        self._queue = queue
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._workers: set[threading.Thread] = set()

    def start(self) -> None:
        """Start the dispatcher (once; the first setWebhook calls this)."""
        with self._lock:
            if self._thread is None and not self._queue.closed:
                self._thread = threading.Thread(
                    target=self._run, name="telegram-sim-delivery", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop dispatching and wait (up to timeout) for POSTs in flight."""
        self._queue.close()
        deadline = time.monotonic() + timeout
        with self._lock:
            dispatcher = self._thread
        if dispatcher is not None:
            dispatcher.join(timeout)
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        queue = self._queue
        while True:
            with queue.cond:
                if queue.closed:
                    return
                claimed, hook, wake = queue.claim(time.monotonic())
                if not claimed:
                    queue.cond.wait(None if wake is None else max(0.0, wake - time.monotonic()))
                    continue
            for entry in claimed:
                worker = threading.Thread(target=self._post, args=(entry, hook), daemon=True,
                                          name=f"telegram-sim-post-{entry.update_id}")
                with self._lock:
                    self._workers.add(worker)
                worker.start()

    def _post(self, entry: Pending, hook: Webhook) -> None:
        try:
            error = post_update(hook, entry.update, self._timeout)
            delay = min(self._base_delay * 2 ** entry.failures, self._max_delay)
            log.info("webhook update %s -> %s", entry.update_id, error or "delivered")
            self._queue.finish(entry, error, delay)
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())
