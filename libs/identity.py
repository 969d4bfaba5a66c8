"""NIK and No KK: checking their shape, and masking them wherever a person or a log sees them."""

from __future__ import annotations

import re

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_LONG_NUMBER = re.compile(r"(?<![0-9])([0-9]{4})([0-9]{8,12})([0-9]{2})(?![0-9])")


def is_identity_number(value: str) -> bool:
    """Whether `value` has the shape of a NIK or a No KK: exactly 16 digits."""
    return bool(_SIXTEEN_DIGITS.fullmatch(value))


def mask(number: str | None) -> str:
    """`5201142005716996` -> `5201**********96`; short or empty values are fully hidden."""
    if not number:
        return "-"
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def mask_in_text(text: str) -> str:
    """Every run of 14 to 18 digits in `text` masked, for log lines."""
    return _LONG_NUMBER.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)
