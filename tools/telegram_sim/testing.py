"""Helpers for tests: serve a simulator on a loopback port, and a scriptable webhook receiver.

    with serve(create_app(TOKEN, retry_base_delay=0.05)) as sim_url, WebhookReceiver() as hook:
        requests.post(f"{sim_url}/bot{TOKEN}/setWebhook", json={"url": hook.url})
        requests.post(f"{sim_url}/sim/updates", json={"user": USER, "text": "Biodata"})
        [update] = hook.wait_for(1)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tools.telegram_sim.app import QuietRequestHandler

TEST_TOKEN = "123456:TEST-TOKEN"  # the bot token of the simulator's own tests


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Run a Flask app on a random loopback port; yields its base URL, then stops it all."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="telegram-sim-test-http")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        simulator = app.extensions.get("telegram_sim")
        if simulator is not None:
            simulator.close()
        server.shutdown()
        thread.join()
        server.server_close()


@dataclass
class Received:
    """One request the webhook receiver got."""

    update: dict
    headers: dict
    status: int
    time: float


class WebhookReceiver:
    """A bot's webhook stand-in: answers the scripted statuses in turn, then respond(update).

    `respond` (default: always 200) may fail only one chat, or hold a request until something
    else happened; it runs outside the receiver's lock.
    """

    def __init__(self, statuses: list[int] | None = None,
                 respond: Callable[[dict], int] | None = None):
        self.statuses = list(statuses or [])
        self.respond = respond or (lambda update: 200)
        self.received: list[Received] = []
        self._cond = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=QuietRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="telegram-sim-test-hook")
        self.url = f"http://127.0.0.1:{self._server.port}/telegram/webhook"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        update = json.loads(request.get_data() or b"null")
        with self._cond:
            status = self.statuses.pop(0) if self.statuses else None
        if status is None:
            status = self.respond(update)
        with self._cond:
            self.received.append(Received(update, dict(request.headers), status, time.time()))
            self._cond.notify_all()
        return Response(status=status)(environ, start_response)

    def wait_for(self, count: int, timeout: float = 5.0, *, ok_only: bool = True) -> list[dict]:
        """The first `count` updates answered 2xx (or all received), waiting up to timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r.update for r in self.received if not ok_only or r.status < 300]
                remaining = deadline - time.monotonic()
                if len(got) >= count or remaining <= 0:
                    return got
                self._cond.wait(remaining)
