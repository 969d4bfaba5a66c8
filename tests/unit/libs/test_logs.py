"""Nothing a log line or traceback carries shows a NIK, a No KK or the bot token."""

import io
import logging

import pytest

from libs.logs import setup_logging
from libs.telegram import TelegramClient
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import serve

NIK = "5201142005716996"
TOKEN = "123456789:FAKE-test-token_not-real"


@pytest.fixture
def captured(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    setup_logging("test", "DEBUG")
    yield stream
    logging.getLogger().handlers[:] = []


def test_messages_and_tracebacks_are_masked(captured):
    log = logging.getLogger("t")
    log.info("registering %s", NIK)
    try:
        raise ValueError(f"[parameters: {{'nik_1': '{NIK}'}}]")
    except ValueError:
        log.exception("failed")
    output = captured.getvalue()
    assert NIK not in output
    assert output.count("5201**********96") == 2


def test_the_token_never_reaches_a_log_even_at_debug(captured):
    with serve(create_app(TOKEN)) as sim:
        TelegramClient(sim, TOKEN).call("getMe")  # urllib3 logs request lines at DEBUG
    logging.getLogger("t").warning("calling %s", f"http://x/bot{TOKEN}/getMe")
    output = captured.getvalue()
    assert TOKEN not in output and "/bot<token>/getMe" in output
