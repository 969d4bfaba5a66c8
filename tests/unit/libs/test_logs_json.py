"""LOG_FORMAT: text or one JSON object a line, both with the correlation id in hand, both
scrubbed of NIKs and the bot token, in a service's own output too."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from libs.logs import correlated, setup_logging
from tools.supervisor import SIM_TOKEN

ROOT = Path(__file__).resolve().parents[3]
NIK = "5201142005716996"
# Shaped like a real token, made at run time so that no file holds one.
REAL_SHAPE = "7" * 10 + ":" + "Ab_-" * 8 + "xyz"


@pytest.fixture
def capture():
    stream = io.StringIO()

    def start(fmt: str) -> io.StringIO:
        setup_logging("svc", "INFO", fmt)
        logging.getLogger().handlers[0].setStream(stream)
        return stream

    yield start
    logging.getLogger().handlers[:] = []


def test_json_lines_carry_time_level_service_logger_message_and_correlation(capture):
    stream = capture("json")
    log = logging.getLogger("services.outbox")
    with correlated("tg-123456"):
        log.info("command %s handled", "tg-123456")
    log.warning("outside")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["time"].endswith("Z") and first["time"][10] == "T"
    assert {k: first[k] for k in ("level", "service", "logger", "message", "correlation_id")} \
        == {"level": "INFO", "service": "svc", "logger": "services.outbox",
            "message": "command tg-123456 handled", "correlation_id": "tg-123456"}
    assert "correlation_id" not in second and "exception" not in second


def test_text_lines_show_the_correlation_id(capture):
    stream = capture("text")
    with correlated("tg-7"):
        logging.getLogger("services.outbox").info("handled")
    logging.getLogger("services.outbox").info("idle")
    first, second = stream.getvalue().splitlines()
    assert first.endswith(" INFO svc services.outbox [tg-7]: handled")
    assert second.endswith(" INFO svc services.outbox: idle")


def test_a_line_break_in_a_message_cannot_make_a_second_text_line(capture):
    stream = capture("text")
    forged = "Biodata\n2026-11-28 10:00:00,000 INFO svc services.outbox: all well"
    logging.getLogger("services.gateway").info("text %s", forged)
    [line] = stream.getvalue().splitlines()
    assert line.endswith("text Biodata\\n2026-11-28 10:00:00,000 INFO svc services.outbox: "
                         "all well")


def test_a_text_traceback_follows_its_event_on_indented_lines(capture):
    stream = capture("text")
    try:
        raise RuntimeError(f"nik {NIK}")
    except RuntimeError:
        logging.getLogger("t").exception("failed")
    first, *rest = stream.getvalue().splitlines()
    assert first.endswith(" ERROR svc t: failed")
    assert rest and all(line.startswith("    ") for line in rest)
    assert "RuntimeError" in rest[-1] and NIK not in "".join(rest)


def test_a_traceback_is_one_json_line_and_masked(capture):
    stream = capture("json")
    try:
        raise RuntimeError(f"POST http://x/bot{SIM_TOKEN}/sendMessage {REAL_SHAPE} nik {NIK}")
    except RuntimeError:
        logging.getLogger("t").exception("sending %s failed", NIK)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert "RuntimeError" in record["exception"] and "Traceback" in record["exception"]
    for secret in (NIK, SIM_TOKEN, REAL_SHAPE):
        assert secret not in line
    assert record["message"] == "sending 5201**********96 failed"


def test_an_unknown_format_is_refused():
    with pytest.raises(SystemExit, match="LOG_FORMAT"):
        setup_logging("svc", "INFO", "xml")


SERVICE_SNIPPET = """
import logging
from libs.config import Settings
from libs.logs import correlated, setup_logging
from tools.supervisor import SIM_TOKEN
settings = Settings.from_env()
setup_logging("notifier", settings.log_level, settings.log_format)
log = logging.getLogger("services.notifier.sender")
with correlated("tg-99"):
    log.info("registering %s", "{nik}")
    try:
        raise ConnectionError("http://api/bot{token}/sendMessage refused; token {real}")
    except ConnectionError:
        log.exception("message tg-99:0 failed")
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_services_output_holds_no_token_and_no_nik(fmt):
    # Given a process set up as every service is, from LOG_FORMAT
    code = SERVICE_SNIPPET.format(nik=NIK, token=SIM_TOKEN, real=REAL_SHAPE)
    env = {"LOG_FORMAT": fmt, "TELEGRAM_BOT_TOKEN": SIM_TOKEN, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=60,
                          capture_output=True, text=True, check=True)
    output = done.stderr
    # Then its log shows the masked NIK and the error, never the token or the NIK
    assert "5201**********96" in output and "ConnectionError" in output
    for secret in (NIK, SIM_TOKEN, REAL_SHAPE, REAL_SHAPE.split(":")[1]):
        assert secret not in output
    if fmt == "json":
        records = [json.loads(line) for line in output.splitlines()]
        assert [r["correlation_id"] for r in records] == ["tg-99", "tg-99"]
        assert records[1]["level"] == "ERROR" and "/bot<token>/" in records[1]["exception"]
    else:
        assert output.count("[tg-99]") == 2
