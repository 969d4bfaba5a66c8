"""Logging set up the same way in every service: one line per event, NIK, No KK and the bot
token masked, in the message and in tracebacks alike."""

from __future__ import annotations

import logging
import re
import sys

from libs.identity import mask_in_text

_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


def scrub(text: str) -> str:
    """Text safe for a log: identity numbers masked, bot tokens removed from URLs."""
    return _TOKEN_IN_URL.sub("/bot<token>", mask_in_text(text))


class MaskingFilter(logging.Filter):
    """Scrubs every record's message and traceback before any handler formats it."""

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
        return True


def setup_logging(service: str, level: str = "INFO") -> None:
    """Log to stderr as `time level service logger: message`, scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    )
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every connection state change at INFO; urllib3 logs request URLs (with the
    # token) at DEBUG. Their warnings are enough.
    for noisy in ("pika", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
