"""Column types: OpenSID's own on MariaDB/MySQL, the nearest portable type elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CHAR, DateTime, Integer, SmallInteger, String
from sqlalchemy.dialects import mysql

_MY = ("mysql", "mariadb")

TinyInt = SmallInteger().with_variant(mysql.TINYINT(), *_MY)
UTinyInt = SmallInteger().with_variant(mysql.TINYINT(unsigned=True), *_MY)
UInt = Integer().with_variant(mysql.INTEGER(unsigned=True), *_MY)
MediumInt = Integer().with_variant(mysql.MEDIUMINT(), *_MY)
Timestamp = DateTime().with_variant(mysql.TIMESTAMP(), *_MY)
# The bot's own times keep microseconds on MariaDB too, so ordering by them is exact.
PreciseDateTime = DateTime().with_variant(mysql.DATETIME(fsp=6), *_MY)


def fixed_char(length: int):
    """CHAR(n) on MariaDB/MySQL as OpenSID declares it; VARCHAR elsewhere (no blank padding)."""
    return String(length).with_variant(CHAR(length), *_MY)


def utcnow() -> datetime:
    """The current time as naive UTC, the convention of every bot_ table."""
    return datetime.now(UTC).replace(tzinfo=None)
