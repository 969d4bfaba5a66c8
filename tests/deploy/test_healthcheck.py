"""tools/healthcheck.py, the containers' health probe: 0 on 2xx, 1 on anything else, quickly."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tools import healthcheck


class Handler(BaseHTTPRequestHandler):
    """/200, /204, /503 ... answer with that status; /slow answers after 3 s. Asked as a proxy
    (an absolute URL), it answers 502."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.startswith("http://"):
            status = 502
        elif self.path == "/slow":
            time.sleep(3)
            status = 200
        else:
            status = int(self.path.strip("/"))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # the /slow request may still sleep
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("status, code", [(200, 0), (204, 0), (404, 1), (500, 1), (503, 1)])
def test_exit_status_follows_the_http_status(server, status, code, capsys):
    assert healthcheck.main([f"{server}/{status}"]) == code
    assert f"HTTP {status}" in capsys.readouterr().out  # docker inspect shows why


def test_nothing_listening_is_unhealthy(capsys):
    assert healthcheck.main([f"http://127.0.0.1:{closed_port()}/healthz"]) == 1
    assert "refused" in capsys.readouterr().out.lower()


def test_a_server_that_does_not_answer_is_unhealthy_within_the_timeout(server):
    started = time.monotonic()
    healthy, reason = healthcheck.check(f"{server}/slow", timeout=0.5)
    assert not healthy and "timed out" in reason
    assert time.monotonic() - started < 2


def test_a_proxy_in_the_environment_is_not_used(server, monkeypatch):
    # Containers behind a corporate proxy often have HTTP_PROXY set; the probe is local.
    monkeypatch.setenv("http_proxy", server)  # the server answers 502 when used as a proxy
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert healthcheck.check(f"{server}/200") == (True, f"{server}/200: HTTP 200")


@pytest.mark.parametrize("argv", [[], ["a", "b"], ["not a url"]])
def test_bad_usage_is_unhealthy_not_a_crash(argv):
    assert healthcheck.main(argv) == 1
