"""The letter kinds' formats in the database: which `tweb_surat_format` row each kind is, what
its form asks, what goes into `permohonan_surat.isian_form`, and what init-db adds.

    OpenSID 22.12     the RTF format of the kind's legacy slug; the chat's answers stored as
                      they are
    OpenSID >= 23.12  the TinyMCE format of the kind's slug; its form's fields are read from
                      `kode_isian` each time, so the answers fill the very fields OpenSID's
                      "periksa" form opens with, and a field the village added to the format in
                      OpenSID's admin is asked in the chat too
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import Column, select, table
from sqlalchemy.orm import Session, undefer

from libs import texts
from libs.siades import models
from libs.siades.letter_kinds import (
    CHOICE,
    DATE,
    DEFAULT_NUMBER_FORMAT,
    KINDS,
    NUMBER,
    NUMBER_FORMAT_KEY,
    SKBPN_SLUG,
    TEXT,
    TIME,
    Field,
    LetterKind,
)
from libs.siades.letters import LetterFormat, LetterRequest, Setting
from libs.siades.village import Generation, generation_of, village_of

BRING_TO_OFFICE = "-1"  # permohonan_surat.syarat: the paper is brought to the office
TEXTAREA_MAX = 500
# isian_form keys that are not the resident's answers: what OpenSID's Layanan Mandiri adds, and
# what OpenSID's periksa page leaves out of the form it fills in (ambil_isi_form).
FORM_METADATA = frozenset({"url_surat", "url_remote", "nik", "id_surat", "nomor",
                           "pilih_atas_nama", "pamong", "pamong_nip", "jabatan", "pamong_id"})
# The village formats init-db adds to OpenSID >= 23.12 (as OpenSID's own admin would write them).
VILLAGE_FORMATS = {SKBPN_SLUG: "skbpn.json"}
_LOOKUP_TABLES = {model.__tablename__: model for model in models.LOOKUP_MODELS}
_FIELD_TYPES = {"number": NUMBER, "date": DATE, "time": TIME, "select-manual": CHOICE,
                "select-otomatis": CHOICE}


@dataclass(frozen=True)
class FormatField:
    """One field of a TinyMCE format's form: an item of its `kode_isian`."""

    name: str  # the form input's name, as OpenSID makes it: `nama` lower-cased, `_` for spaces
    label: str  # nama
    type: str  # tipe: text, textarea, number, date, time, select-manual, select-otomatis
    description: str  # deskripsi, the input's placeholder
    required: bool
    choices: tuple[str, ...] = ()  # select-manual's pilihan
    reference: str = ""  # select-otomatis: the lookup table its choices come from


def parse_fields(spec: str | None) -> tuple[FormatField, ...]:
    """The fields of a `kode_isian` JSON text (a list, or an object of items); fields of
    another person's section (`kategori`) and malformed items are left out."""
    try:
        items = json.loads(spec) if spec else []
    except ValueError:
        return ()
    if isinstance(items, dict):
        items = list(items.values())
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("kategori") or not _text(item.get("nama")):
            continue
        label = _text(item["nama"])
        choices = item.get("pilihan")
        found.append(FormatField(
            name=label.lower().replace(" ", "_"), label=label,
            type=_text(item.get("tipe")) or "text",
            description=_text(item.get("deskripsi")),
            required=str(item.get("required", "1")).strip() not in ("0", "", "false"),
            choices=tuple(_text(c) for c in choices if _text(c))
            if isinstance(choices, list) else (),
            reference=_text(item.get("refrensi")),
        ))
    return tuple(found)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class LetterForm:
    """A kind as this database has it: its format row and what the resident answers."""

    kind: LetterKind
    format_id: int
    slug: str
    fields: tuple[Field, ...]  # the chat's questions, then fields only the format has
    format_fields: tuple[FormatField, ...] = ()  # empty on OpenSID 22.12
    requirement_ids: tuple[int, ...] = ()

    @property
    def syntax(self) -> str:
        """`SKU#bentuk usaha#tujuan surat#kegunaan surat`."""
        return "#".join([self.kind.code, *(f.label for f in self.fields)])

    @property
    def example_text(self) -> str:
        """The kind's example, with the label in brackets for a field only the format has."""
        extra = [f"<{f.label}>" for f in self.fields[len(self.kind.example):]]
        return "#".join([self.kind.code, *self.kind.example, *extra])

    def isian_form(self, answers: Mapping[str, str], resident_id: int) -> dict[str, str]:
        """`permohonan_surat.isian_form`: the format's fields filled from the answers, the
        original answers beside them, and what OpenSID's own Layanan Mandiri adds."""
        form: dict[str, str] = {}
        for field in self.format_fields:
            fill = self.kind.fills.get(field.name)
            if fill is not None:
                form[field.name] = fill(answers)
            elif field.name in answers:
                form[field.name] = answers[field.name]
        form.update({name: text for name, text in answers.items() if name not in form})
        if self.format_fields:  # Layanan Mandiri's keys, which OpenSID's periksa form skips
            form.update(url_surat=self.slug, id_surat=str(self.format_id),
                        nik=str(resident_id))
        return form

    def requirements(self) -> str:
        """`permohonan_surat.syarat`: each requirement to be brought to the office on paper."""
        return json.dumps({str(i): BRING_TO_OFFICE for i in self.requirement_ids}) \
            if self.requirement_ids else "[]"


def letter_form(session: Session, kind: LetterKind) -> LetterForm | None:
    """The kind as this database has it; None where its format is missing."""
    if generation_of(session) is Generation.OPENSID_2212:
        format_id = session.scalar(select(LetterFormat.id)
                                   .where(LetterFormat.slug == kind.legacy.slug))
        if format_id is None:
            return None
        return LetterForm(kind, format_id, kind.legacy.slug, kind.fields)
    row = session.scalar(
        select(LetterFormat).where(LetterFormat.slug == kind.slug)
        .options(undefer(LetterFormat.field_spec), undefer(LetterFormat.requirement_spec)))
    if row is None:
        return None
    format_fields = parse_fields(row.field_spec)
    asked = {f.name for f in kind.fields} | set(kind.fills)
    extra = tuple(_chat_field(session, f) for f in format_fields if f.name not in asked)
    return LetterForm(kind, row.id, row.slug, kind.fields + extra, format_fields,
                      _requirement_ids(row.requirement_spec))


def _chat_field(session: Session, field: FormatField) -> Field:
    """How the chat asks for a field only the format has."""
    kind = _FIELD_TYPES.get(field.type, TEXT)
    choices = field.choices
    if field.type == "select-otomatis":
        model = _LOOKUP_TABLES.get(field.reference)
        choices = tuple(n for n in session.scalars(select(model.name).order_by(model.id)) if n) \
            if model is not None else ()
    if kind == CHOICE and not choices:
        kind = TEXT
    question = field.description.strip(" -") or texts.LETTER_FIELD_QUESTION.format(
        label=field.label)
    return Field(field.name, field.label.lower(), question, min_length=1,
                 max_length=TEXTAREA_MAX if field.type == "textarea" else 200, kind=kind,
                 choices=choices, required=field.required)


def _requirement_ids(spec: str | None) -> tuple[int, ...]:
    try:
        items = json.loads(spec) if spec else []
    except ValueError:
        return ()
    return tuple(int(i) for i in items if str(i).isdigit()) if isinstance(items, list) else ()


def format_ids(session: Session) -> dict[str, int]:
    """Kind code -> tweb_surat_format.id of this generation's format, for the kinds present."""
    legacy = generation_of(session) is Generation.OPENSID_2212
    slugs = {_slug(kind, legacy): code for code, kind in KINDS.items()}
    rows = session.execute(select(LetterFormat.slug, LetterFormat.id)
                           .where(LetterFormat.slug.in_(slugs)))
    return {slugs[slug]: format_id for slug, format_id in rows}


def kinds_by_format(session: Session) -> dict[int, LetterKind]:
    """tweb_surat_format.id -> kind, for either generation's format (a request filed before
    OpenSID was upgraded keeps its old format)."""
    by_slug = {slug: kind for kind in KINDS.values() for slug in kind.slugs}
    rows = session.execute(select(LetterFormat.id, LetterFormat.slug)
                           .where(LetterFormat.slug.in_(by_slug)))
    return {format_id: by_slug[slug] for format_id, slug in rows}


def kind_of(session: Session, request: LetterRequest) -> LetterKind | None:
    """The chat letter kind of a request, None for a format residents do not request here."""
    return kinds_by_format(session).get(request.format_id)


def _slug(kind: LetterKind, legacy: bool) -> str:
    return kind.legacy.slug if legacy else kind.slug


# --- init-db -----------------------------------------------------------------------------------


@dataclass
class FormatReport:
    """What ensure_formats did: the formats it added, and the kinds whose format is missing."""

    added: list[str]
    missing: list[str]


def ensure_formats(session: Session) -> FormatReport:
    """Add the letter formats (and the numbering setting) the village lacks. On 22.12 every
    kind's format can be added; on 23.12+ only the village letters of VILLAGE_FORMATS (the
    system letters come with OpenSID and carry templates only OpenSID has)."""
    report = FormatReport(added=[], missing=[])
    have = set(session.scalars(select(LetterFormat.slug)))
    legacy = generation_of(session) is Generation.OPENSID_2212
    for kind in KINDS.values():
        if _slug(kind, legacy) in have:
            continue
        if legacy:
            session.add(LetterFormat(slug=kind.legacy.slug, name=kind.legacy.name,
                                     code=kind.legacy.code, self_service=1))
            report.added.append(kind.legacy.name)
        elif kind.slug in VILLAGE_FORMATS:
            report.added.append(_add_village_format(session, kind.slug))
        else:
            report.missing.append(f"{kind.code} ({kind.slug})")
    if session.scalar(select(Setting.id).where(Setting.key == NUMBER_FORMAT_KEY)) is None:
        session.add(Setting(key=NUMBER_FORMAT_KEY, value=DEFAULT_NUMBER_FORMAT, kind="text",
                            category="format_surat", description="Format penomoran surat"))
    session.flush()
    return report


def village_format(slug: str) -> dict:
    """The tweb_surat_format row (every column but id and config_id) of a village letter."""
    text = resources.files("libs.siades.formats").joinpath(VILLAGE_FORMATS[slug]).read_text()
    return json.loads(text)


def _add_village_format(session: Session, slug: str) -> str:
    """Insert a village letter as OpenSID's admin would, in the session's village."""
    row = village_format(slug) | {"config_id": village_of(session).config_id}
    target = table(LetterFormat.__tablename__, *(Column(name) for name in row))
    session.execute(target.insert().values(row))
    return row["nama"]

