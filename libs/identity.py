"""NIK and No KK: checking their shape, and masking them wherever a person or a log sees them."""

from __future__ import annotations

import hashlib
import re

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_LONG_NUMBER = re.compile(r"(?<![0-9])([0-9]{4})([0-9]{8,12})([0-9]{2})(?![0-9])")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")

# The words of the syntax line (`DAFTAR#NIK#No KK`, `DAFTAR#<NIK>#<No KK>`) typed as they are.
PLACEHOLDER_WORDS = frozenset({"NIK", "KK", "NOKK", "NOMORKK", "NIKANDA", "NOKKANDA"})
# Numbers the bot once printed as its registration example: residents still copy them.
PUBLISHED_EXAMPLES = frozenset({"3517090101800001", "3517090101090001"})
_RUNS = "01234567890123456789012345", "98765432109876543210987654"


def is_identity_number(value: str) -> bool:
    """Whether `value` has the shape of a NIK or a No KK: exactly 16 digits."""
    return bool(_SIXTEEN_DIGITS.fullmatch(value))


def is_placeholder(value: str) -> bool:
    """Whether `value` stands for a number rather than being one: a word of the syntax line, an
    example the bot printed, one digit repeated or a run (`1234567890123456`)."""
    if _NOT_ALPHANUMERIC.sub("", value).upper() in PLACEHOLDER_WORDS:
        return True
    if not is_identity_number(value):
        return False
    return (value in PUBLISHED_EXAMPLES or len(set(value)) == 1
            or any(value in run for run in _RUNS))


def digest(nik: str) -> str:
    """SHA-256 hex of a NIK (RegistrationAttempt.nik_digest): attempts at one NIK, counted."""
    return hashlib.sha256(nik.encode("ascii")).hexdigest()


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
