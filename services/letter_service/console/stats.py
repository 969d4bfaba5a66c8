"""The service figures the village can show: requests per kind and status, and how long a
request takes from submission to ready (median and 90th percentile, in hours).

"Ready" is the first time the status watcher saw the request at Siap Diambil, else when our
console issued its letter. permohonan_surat.created_at is the village's local time (OpenSID);
the bot_ tables hold UTC, converted before subtracting. Percentiles are computed here, not in
SQL, so the figures are the same on SQLite, MariaDB and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from libs.formatting import local_time
from libs.siades.bot_models import LetterDocument, LetterTransition, Staff
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterFormat, LetterRequest
from libs.vocabulary.states import RequestState
from services.letter_service.console.listing import kind_title


@dataclass(frozen=True)
class Duration:
    """How long one request took to be ready, and what it was and who signed it."""

    request_id: int
    kind: str
    signer: str | None  # None: not signed in this console (e.g. in OpenSID)
    hours: float


@dataclass(frozen=True)
class Figure:
    """A row of the times table: a label, how many requests, median and p90 hours."""

    label: str
    count: int
    median: float | None
    p90: float | None


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` quantile by linear interpolation between the closest ranks (what
    statistics.quantiles(method="inclusive") gives); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figure(label: str, hours: list[float]) -> Figure:
    """Median and 90th percentile of these durations."""
    return Figure(label, len(hours), percentile(hours, 0.5), percentile(hours, 0.9))


def counts_by_kind(session: Session) -> dict[str, dict[int, int]]:
    """Kind title -> status -> number of requests: the five kinds first, then any other
    OpenSID format that has requests."""
    rows = session.execute(
        select(LetterFormat.slug, LetterFormat.name, LetterRequest.status, func.count())
        .select_from(LetterRequest)
        .outerjoin(LetterFormat, LetterFormat.id == LetterRequest.format_id)
        .group_by(LetterFormat.slug, LetterFormat.name, LetterRequest.status)
    )
    table: dict[str, dict[int, int]] = {kind.title: {} for kind in KINDS.values()}
    for slug, name, status, count in rows:
        counts = table.setdefault(kind_title(slug, name), {})
        counts[status] = counts.get(status, 0) + count
    return table


def durations(session: Session, zone: str) -> list[Duration]:
    """Submission-to-ready time of every request that has become ready."""
    first_ready = (
        select(LetterTransition.request_id, func.min(LetterTransition.seen_at).label("ready_at"))
        .where(LetterTransition.to_status == RequestState.READY)
        .group_by(LetterTransition.request_id)
        .subquery()
    )
    rows = session.execute(
        select(LetterRequest.id, LetterRequest.created_at, LetterFormat.slug, LetterFormat.name,
               first_ready.c.ready_at, LetterDocument.issued_at, LetterDocument.issued_by,
               Staff.full_name)
        .outerjoin(LetterFormat, LetterFormat.id == LetterRequest.format_id)
        .outerjoin(first_ready, first_ready.c.request_id == LetterRequest.id)
        .outerjoin(LetterDocument, LetterDocument.request_id == LetterRequest.id)
        .outerjoin(Staff, Staff.id == LetterDocument.issued_by)
        .where((first_ready.c.ready_at.is_not(None)) | (LetterDocument.issued_at.is_not(None)))
    )
    found = []
    for row in rows:
        ready_utc = row.ready_at or row.issued_at
        found.append(Duration(
            request_id=row.id,
            kind=kind_title(row.slug, row.name),
            signer=signer_name(row.issued_by, row.full_name),
            hours=hours_between(row.created_at, local_time(ready_utc, zone)),
        ))
    return found


def signer_name(staff_id: int | None, full_name: str | None) -> str | None:
    """The signer's name; a placeholder for an account since deleted."""
    if staff_id is None:
        return None
    return full_name or f"(staf #{staff_id})"


def hours_between(start: datetime, end: datetime) -> float:
    """Hours from start to end; never negative (clocks of two machines may disagree)."""
    return max((end - start).total_seconds() / 3600, 0.0)


@dataclass(frozen=True)
class TimeFigures:
    """The times table in three parts."""

    overall: Figure
    by_kind: list[Figure]
    by_signer: list[Figure]


def time_figures(found: list[Duration]) -> TimeFigures:
    """Median and p90 overall, per kind and per signer."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_signer: dict[str, list[float]] = defaultdict(list)
    for duration in found:
        by_kind[duration.kind].append(duration.hours)
        if duration.signer is not None:
            by_signer[duration.signer].append(duration.hours)
    return TimeFigures(
        overall=figure("Semua permohonan", [d.hours for d in found]),
        by_kind=[figure(kind, hours) for kind, hours in sorted(by_kind.items())],
        by_signer=[figure(name, hours) for name, hours in sorted(by_signer.items())],
    )
