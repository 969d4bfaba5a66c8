"""Logging set up the same way in every service: one line per event, NIK and No KK masked."""

from __future__ import annotations

import logging
import sys

from libs.identity import mask_in_text


class MaskingFilter(logging.Filter):
    """Masks identity numbers in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(service: str, level: str = "INFO") -> None:
    """Log to stderr as `time level service logger: message`, masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    )
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every connection state change at INFO; its warnings are enough.
    logging.getLogger("pika").setLevel(logging.WARNING)
