"""The requests as staff read them: kind, number, dates, the resident's registry data, the
fields filled in (labelled as letter_kinds names them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from libs import texts
from libs.formatting import age, area_label
from libs.siades.bot_models import LetterDocument
from libs.siades.letter_forms import FORM_METADATA
from libs.siades.letter_kinds import KINDS, LetterKind
from libs.siades.letters import LetterFormat, LetterRequest
from libs.siades.models import ALIVE, Area, BaseStatus, Family, Resident
from libs.vocabulary.states import RequestState
from services.letter_service.console.states import (
    CANCELLED_BY_RESIDENT,
    REJECTED,
    WITHDRAWN,
    Tab,
)

QUEUE_LIMIT = 200  # newest first; older ones are in OpenSID's own pages
KINDS_BY_SLUG = {slug: kind for kind in KINDS.values() for slug in kind.slugs}
# Which of status 5's three a request is: a letter was issued (so it was withdrawn), the
# resident cancelled in the chat (the bot's note), or else the office rejected it.
CANCEL_KIND = case(
    (LetterRequest.status != RequestState.CANCELLED, None),
    (LetterDocument.request_id.is_not(None), WITHDRAWN),
    (LetterRequest.note == texts.LETTER_CANCEL_NOTE, CANCELLED_BY_RESIDENT),
    else_=REJECTED,
)


@dataclass(frozen=True)
class RequestView:
    """One permohonan_surat row with everything the queue and the detail page show."""

    id: int
    status: int
    cancel_kind: str | None  # for status 5: ditolak, dibatalkan or dicabut
    resident_id: int
    kind_code: str | None  # SKU, SKD, ...; None for an OpenSID format of another kind
    kind_title: str
    submitted_at: datetime  # local time, as OpenSID stores it
    updated_at: datetime | None
    resident_name: str
    nik: str | None
    no_kk: str | None
    address: str | None
    age: str
    not_alive: str | None  # the registry's status_dasar (MATI, PINDAH, ...) unless HIDUP
    fields: list[tuple[str, str]]  # (label, answer)
    note: str | None  # keterangan: the reason of a rejection
    phone: str | None
    has_document: bool
    letter_number: str | None  # as printed, once our console issued the letter
    revoked_at: datetime | None  # naive UTC: when the issued letter was withdrawn
    revoked_reason: str | None


def tab_counts(session: Session) -> dict[str, int]:
    """How many requests each tab holds, by the tab's key."""
    kind = CANCEL_KIND.label("kind")
    rows = session.execute(
        select(LetterRequest.status, kind, func.count())
        .outerjoin(LetterDocument, LetterDocument.request_id == LetterRequest.id)
        .group_by(LetterRequest.status, kind))
    return {kind or str(status): count for status, kind, count in rows}


def requests_in(session: Session, tab: Tab, today: date) -> list[RequestView]:
    """The newest requests of this tab (at most QUEUE_LIMIT)."""
    query = _view_query().where(LetterRequest.status == tab.status)
    if tab.cancel_kind is not None:
        query = query.where(CANCEL_KIND == tab.cancel_kind)
    query = (query
             .order_by(LetterRequest.created_at.desc(), LetterRequest.id.desc())
             .limit(QUEUE_LIMIT))
    return [_view(row, today) for row in session.execute(query)]


def request_view(session: Session, request_id: int, today: date) -> RequestView | None:
    """One request, or None if there is no such row."""
    row = session.execute(_view_query().where(LetterRequest.id == request_id)).first()
    return _view(row, today) if row is not None else None


def _view_query():
    return (
        select(LetterRequest, Resident, Family.no_kk, Area, LetterFormat, LetterDocument.number,
               LetterDocument.revoked_at, LetterDocument.revoked_reason, CANCEL_KIND,
               BaseStatus.name)
        .outerjoin(Resident, Resident.id == LetterRequest.resident_id)
        .outerjoin(Family, Family.id == Resident.family_id)
        .outerjoin(Area, Area.id == Resident.area_id)
        .outerjoin(LetterFormat, LetterFormat.id == LetterRequest.format_id)
        .outerjoin(LetterDocument, LetterDocument.request_id == LetterRequest.id)
        .outerjoin(BaseStatus, BaseStatus.id == Resident.base_status)
    )


def _view(row, today: date) -> RequestView:
    (request, resident, no_kk, area, letter_format, number, revoked_at, revoked_reason,
     cancel_kind, base_status) = row
    kind = KINDS_BY_SLUG.get(letter_format.slug) if letter_format else None
    return RequestView(
        id=request.id,
        status=request.status,
        cancel_kind=cancel_kind,
        resident_id=request.resident_id,
        kind_code=kind.code if kind else None,
        kind_title=kind_title(letter_format.slug if letter_format else None,
                              letter_format.name if letter_format else None),
        submitted_at=request.created_at,
        updated_at=request.updated_at,
        resident_name=resident.name if resident else f"(penduduk #{request.resident_id} "
                                                     "tidak ada)",
        nik=resident.nik if resident else None,
        no_kk=no_kk,
        address=resident_address(resident, area),
        age=age(resident.birth_date, today) if resident else "-",
        not_alive=(base_status or str(resident.base_status))
        if resident and resident.base_status != ALIVE else None,
        fields=form_fields(kind, request.form),
        note=request.note or None,
        phone=request.phone or None,
        has_document=number is not None,
        letter_number=number,
        revoked_at=revoked_at,
        revoked_reason=revoked_reason,
    )


def kind_title(slug: str | None, format_name: str | None) -> str:
    """The title of the kind with this tweb_surat_format slug, else the format's name in
    OpenSID, else a placeholder."""
    kind = KINDS_BY_SLUG.get(slug or "")
    if kind is not None:
        return kind.title
    return format_name or "(jenis surat tidak dikenal)"


def resident_address(resident: Resident | None, area: Area | None) -> str | None:
    """`Jl. Melati 5, RT 001, RW 001, Dusun KRAJAN`, leaving out what the registry lacks."""
    if resident is None:
        return None
    street = (resident.address or "").strip()
    place = area_label(area.dusun, area.rw, area.rt) if area else None
    return ", ".join(part for part in (street, place) if part) or None


def form_fields(kind: LetterKind | None, raw: str | None) -> list[tuple[str, str]]:
    """isian_form's answers, in the kind's order with its labels, then any other keys."""
    try:
        answers = json.loads(raw or "{}")
    except ValueError:
        return [("isian", raw or "")]
    if not isinstance(answers, dict):
        return [("isian", str(answers))]
    fields = [(field.label, str(answers[field.name]))
              for field in (kind.fields if kind else ()) if field.name in answers]
    known = {field.name for field in kind.fields} if kind else set()
    fields += [(key, str(value)) for key, value in answers.items()
               if key not in known and key not in FORM_METADATA]
    return fields
