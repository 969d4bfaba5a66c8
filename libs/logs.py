"""Logging set up the same way in every service: one line per event, as text or as one JSON
object, with the correlation id of the update being handled; NIK, No KK and the bot token
masked, in the message and in tracebacks alike."""

from __future__ import annotations

import json
import logging
import re
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from libs.identity import mask_in_text

_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
# A bot token anywhere, by its shape: the bot's id, a colon, 35 characters.
_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}")
CORRELATION_HEADER = "x-correlation-id"

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


@contextmanager
def correlated(value: str | None) -> Iterator[None]:
    """Every log line of this thread or task carries `value` until the block ends."""
    token = correlation_id.set(value or "")
    try:
        yield
    finally:
        correlation_id.reset(token)


def scrub(text: str) -> str:
    """Text safe for a log: identity numbers masked, bot tokens removed."""
    return _TOKEN.sub("<token>", _TOKEN_IN_URL.sub("/bot<token>", mask_in_text(text)))


class MaskingFilter(logging.Filter):
    """Scrubs every record's message and traceback before any handler formats it, and notes
    the correlation id in hand."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = scrub(message), None
        if record.exc_info:
            # A SQL error's traceback carries the statement's parameters: a NIK, say.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = scrub(text), None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record.correlation_id = correlation_id.get()
        record.correlation = f" [{record.correlation_id}]" if record.correlation_id else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO-8601, UTC), level, service, logger, message,
    correlation_id when known, exception when there is one."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "correlation_id", ""):
            line["correlation_id"] = record.correlation_id
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level service logger [id]: message` on one line: a line break inside a message
    (a resident's text, say) is written as \\n, so that no event can pass for two. A traceback
    follows on indented lines: a line that does not start with a space starts an event."""

    def __init__(self, service: str):
        super().__init__(
            f"%(asctime)s %(levelname)s {service} %(name)s%(correlation)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        record.asctime = self.formatTime(record, self.datefmt)
        record.correlation = getattr(record, "correlation", "")
        if record.exc_info and not record.exc_text:  # a record the masking filter missed
            record.exc_text = scrub(self.formatException(record.exc_info))
        line = self.formatMessage(record)
        details = "\n".join(filter(None, (record.exc_text, record.stack_info)))
        if details:
            line += "\n" + textwrap.indent(details.rstrip("\n"), "    ")
        return line


def formatter(service: str, fmt: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT `fmt`: "json", or text."""
    if fmt == "json":
        return JsonFormatter(service)
    if fmt != "text":
        raise SystemExit(f"LOG_FORMAT must be text or json, not {fmt!r}")
    return TextFormatter(service)


def setup_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    """Log to stderr, one line per event (`time level service logger [id]: message`, or one
    JSON object), scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(service, fmt))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every connection state change at INFO; urllib3 logs request URLs (with the
    # token) at DEBUG. Their warnings are enough.
    for noisy in ("pika", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
