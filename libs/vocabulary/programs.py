"""How a resident's participation in an assistance program stands on a given day; what the
chat says for each is libs/texts.py's PROGRAM_STATES."""

from __future__ import annotations

from datetime import date

CURRENT = "current"
ENDED = "ended"
NOT_STARTED = "not_started"
INACTIVE = "inactive"


def standing(active: bool, start: date | None, end: date | None, today: date) -> str:
    """CURRENT only for an Aktif program whose period holds `today`; else why not. A date the
    registry lacks (None, or MariaDB's 0000-00-00 that pymysql leaves a str) bounds nothing."""
    if not active:
        return INACTIVE
    if isinstance(end, date) and end < today:
        return ENDED
    if isinstance(start, date) and start > today:
        return NOT_STARTED
    return CURRENT
