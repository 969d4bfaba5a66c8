"""The signed letter as a PDF: letterhead, number, the holder's identity, the statement, the
signature block and a QR code that leads to the letter's verification page.

`build_content` gathers everything printed from the registry; `render_pdf` only lays it out, so
equal content gives an identical PDF.
"""

from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from libs.formatting import area_label, tanggal
from libs.siades.bot_models import Staff
from libs.siades.letter_forms import kind_of
from libs.siades.letter_kinds import LetterKind
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from libs.siades.queries import residents
from libs.siades.village import village_config

BLANK = "-"
FONT = "Times"
PAGE_LEFT, PAGE_RIGHT, PAGE_TOP = 25.0, 20.0, 15.0
LABEL_WIDTH = 48.0
QR_SIZE = 30.0
PREVIEW_MARK = "PRATINJAU"
PREVIEW_BANNER = ("PRATINJAU - belum ditandatangani, bukan surat resmi. Nomor dan tanggal "
                  "berlaku bila surat ditandatangani hari ini.")
WATERMARK_GREY = (225, 225, 225)
PREVIEW_RED = (170, 0, 0)
# Typography the core (latin-1) fonts lack, replaced by their plain equivalents.
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " "})


@dataclass(frozen=True)
class Village:
    """The village identity printed in the letterhead, from OpenSID's `config`."""

    regency: str
    district: str
    name: str
    office_address: str
    code: str
    postal_code: str


@dataclass(frozen=True)
class LetterContent:
    """Everything printed on one letter."""

    village: Village
    kind_title: str
    number: str
    identity: tuple[tuple[str, str], ...]  # (label, value) rows: Nama, NIK, ...
    statement: str  # the body sentence after the identity block
    purpose: str  # tujuan
    use: str  # kegunaan
    issued: date
    signer_title: str  # Kepala Desa Sumbermulyo
    signer_name: str
    verify_url: str  # what the QR code encodes

    @property
    def place_and_date(self) -> str:
        """`Sumbermulyo, 28 November 2026`."""
        return f"{self.village.name}, {tanggal(self.issued)}"


# --- gathering the content ---------------------------------------------------------------------


def build_content(session: Session, request: LetterRequest, signer: Staff, number: str,
                  token_url: str, issued: date) -> LetterContent:
    """What the letter for this request says, from the registry, `config` and the request."""
    village = village_identity(session)
    kind = kind_of(session, request)
    if kind is None:
        raise LookupError(f"tweb_surat_format {request.format_id} is not a letter kind of the bot")
    resident = session.get(Resident, request.resident_id)
    if resident is None:
        raise LookupError(f"request {request.id}: resident {request.resident_id} not found")
    answers = request_answers(request)
    return LetterContent(
        village=village,
        kind_title=kind.title,
        number=number,
        identity=identity_rows(residents.biodata(session, resident), village),
        statement=statement(kind, answers, village),
        purpose=answers.get("tujuan") or BLANK,
        use=answers.get("kegunaan") or BLANK,
        issued=issued,
        signer_title=f"Kepala Desa {village.name}",
        signer_name=signer.full_name,
        verify_url=token_url,
    )


def village_identity(session: Session) -> Village:
    """The served village's `config` row, blanks where the row leaves them."""
    config = village_config(session)
    if config is None:
        raise LookupError("the config table has no village")
    return Village(
        regency=_text(config.regency_name),
        district=_text(config.district_name),
        name=_text(config.village_name),
        office_address=_text(config.office_address, ""),
        code=_text(config.village_code),
        postal_code=str(config.postal_code or ""),
    )


def request_answers(request: LetterRequest) -> dict[str, str]:
    """The resident's answers (isian_form JSON) as trimmed text; {} if the JSON is unusable."""
    try:
        answers = json.loads(request.form or "{}")
    except ValueError:
        return {}
    if not isinstance(answers, dict):
        return {}
    return {str(key): str(value).strip() for key, value in answers.items() if value is not None}


def identity_rows(bio: residents.Biodata, village: Village) -> tuple[tuple[str, str], ...]:
    """The identity block: the holder's own letter, so the NIK is printed in full."""
    birth = f"{_text(bio.birth_place)}, {tanggal(bio.birth_date)}"
    street_and_area = [p for p in (bio.address, area_label(bio.dusun, bio.rw, bio.rt)) if p]
    address = ", ".join([*street_and_area, f"Desa {village.name}"])
    return (
        ("Nama", _text(bio.name)),
        ("NIK", _text(bio.nik)),
        ("Tempat/Tanggal Lahir", birth),
        ("Jenis Kelamin", _text(bio.sex)),
        ("Agama", _text(bio.religion)),
        ("Pekerjaan", _text(bio.occupation)),
        ("Status Perkawinan", _text(bio.marital_status)),
        ("Kewarganegaraan", _text(bio.citizenship)),
        ("Alamat", address),
    )


def statement(kind: LetterKind, answers: dict[str, str], village: Village) -> str:
    """The body sentence: the kind's statement with the resident's answers filled in."""
    filled = kind.statement.format_map(_Answers(answers))
    return (f"Orang tersebut di atas adalah benar penduduk Desa {village.name}, Kecamatan "
            f"{village.district}, Kabupaten {village.regency}, dan {_lower_first(filled)}")


class _Answers(dict):
    """str.format_map source that prints '-' for an answer the request lacks."""

    def __missing__(self, key: str) -> str:
        return BLANK


def _lower_first(text: str) -> str:
    """'Tidak memiliki ...' -> 'tidak memiliki ...', leaving acronyms ('KTP hilang') alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _text(value: object | None, blank: str = BLANK) -> str:
    text = "" if value is None else str(value).strip()
    return text or blank


# --- laying it out -------------------------------------------------------------------------------


class _Sheet(FPDF):
    """An A4 page; a preview's pages carry PRATINJAU across them, under the text."""

    def __init__(self, preview: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.preview = preview

    def header(self) -> None:
        if not self.preview:
            return
        self.set_font(FONT, "B", 96)
        self.set_text_color(*WATERMARK_GREY)
        with self.rotation(50, self.w / 2, self.h / 2):
            width = self.get_string_width(PREVIEW_MARK)
            self.text(self.w / 2 - width / 2, self.h / 2 + 12, PREVIEW_MARK)
        self.set_font(FONT, "B", 9)
        self.set_text_color(*PREVIEW_RED)
        self.set_xy(PAGE_LEFT, 6)
        self.cell(0, 4, PREVIEW_BANNER, align="C")
        self.set_text_color(0)
        self.set_xy(PAGE_LEFT, PAGE_TOP)


def render_pdf(content: LetterContent, preview: bool = False) -> bytes:
    """The letter as an A4 PDF; equal content gives identical bytes. A preview is the same
    letter marked PRATINJAU on every page."""
    pdf = _Sheet(preview)
    pdf.set_margins(PAGE_LEFT, PAGE_TOP, PAGE_RIGHT)
    pdf.set_auto_page_break(True, margin=15)
    moment = datetime(content.issued.year, content.issued.month, content.issued.day)
    pdf.set_creation_date(moment)
    pdf.set_title(latin1(f"{PREVIEW_MARK + ' ' if preview else ''}{content.kind_title} "
                         f"{content.number}"))
    pdf.set_author(latin1(f"Pemerintah Desa {content.village.name}"))
    pdf.add_page()
    _letterhead(pdf, content.village)
    _title(pdf, content)
    _body(pdf, content)
    _signature(pdf, content)
    return bytes(pdf.output())


def latin1(text: str) -> str:
    """Text the core PDF fonts can print: typography made plain, the rest replaced by '?'."""
    plain = unicodedata.normalize("NFC", text.translate(_PLAIN))
    return plain.encode("latin-1", "replace").decode("latin-1")


def _write_line(pdf: FPDF, text: str, style: str = "", size: float = 12, height: float = 6,
                align: str = "C") -> None:
    """One full-width line of text, then move to the next line."""
    pdf.set_font(FONT, style, size)
    pdf.cell(0, height, latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _letterhead(pdf: FPDF, village: Village) -> None:
    """PEMERINTAH KABUPATEN ... / KECAMATAN ... / DESA ... / address, over a double rule."""
    _write_line(pdf, f"PEMERINTAH KABUPATEN {village.regency.upper()}", "B", 14, 6.5)
    _write_line(pdf, f"KECAMATAN {village.district.upper()}", "B", 14, 6.5)
    _write_line(pdf, f"DESA {village.name.upper()}", "B", 18, 8.5)
    postal = f", Kode Pos {village.postal_code}" if village.postal_code else ""
    _write_line(pdf, f"Alamat: {village.office_address}{postal}".strip(), "I", 10, 5)
    y = pdf.get_y() + 1.5
    right = pdf.w - PAGE_RIGHT
    pdf.set_line_width(0.9)
    pdf.line(PAGE_LEFT, y, right, y)
    pdf.set_line_width(0.3)
    pdf.line(PAGE_LEFT, y + 1.2, right, y + 1.2)
    pdf.set_y(y + 7)


def _title(pdf: FPDF, content: LetterContent) -> None:
    """The kind in capitals, underlined, and the number under it."""
    _write_line(pdf, content.kind_title.upper(), "BU", 13, 6.5)
    _write_line(pdf, f"Nomor: {content.number}", "", 12, 6)
    pdf.ln(6)


def _paragraph(pdf: FPDF, text: str) -> None:
    """A justified paragraph."""
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(0, 6, latin1(text), align="J",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _rows(pdf: FPDF, rows: tuple[tuple[str, str], ...]) -> None:
    """`label : value` rows, indented, long values wrapping under themselves."""
    pdf.set_font(FONT, "", 12)
    indent = PAGE_LEFT + 10
    value_x = indent + LABEL_WIDTH + 4
    value_width = pdf.w - PAGE_RIGHT - value_x
    for label, value in rows:
        pdf.set_x(indent)
        pdf.cell(LABEL_WIDTH, 6, latin1(label))
        pdf.cell(4, 6, ":")
        pdf.multi_cell(value_width, 6, latin1(value), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _body(pdf: FPDF, content: LetterContent) -> None:
    """Opening, identity block, statement, purpose and use, closing."""
    village = content.village
    _paragraph(pdf, f"Yang bertanda tangan di bawah ini, Kepala Desa {village.name}, Kecamatan "
                    f"{village.district}, Kabupaten {village.regency}, menerangkan dengan "
                    "sebenarnya bahwa:")
    _rows(pdf, content.identity)
    _paragraph(pdf, content.statement)
    _paragraph(pdf, "Surat keterangan ini diberikan untuk keperluan sebagai berikut:")
    _rows(pdf, (("Ditujukan kepada", content.purpose), ("Kegunaan", content.use)))
    _paragraph(pdf, "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat "
                    "dipergunakan sebagaimana mestinya.")


def _signature(pdf: FPDF, content: LetterContent) -> None:
    """Place and date, the Kepala Desa's title, the QR code, the name; a caption on the left."""
    block_height = 6 * 2 + QR_SIZE + 5 + 6 + 4
    if pdf.get_y() + 4 + block_height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    column_x = pdf.w - PAGE_RIGHT - 75
    top = pdf.get_y()
    for text in (content.place_and_date, content.signer_title):
        pdf.set_x(column_x)
        pdf.set_font(FONT, "", 12)
        pdf.cell(75, 6, latin1(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    qr_y = pdf.get_y() + 1
    pdf.image(qr_png(content.verify_url), x=column_x + (75 - QR_SIZE) / 2, y=qr_y,
              w=QR_SIZE, h=QR_SIZE)
    pdf.set_y(qr_y + QR_SIZE + 1)
    pdf.set_x(column_x)
    pdf.set_font(FONT, "I", 9)
    pdf.cell(75, 4, "Ditandatangani secara elektronik", align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(column_x)
    pdf.set_font(FONT, "BU", 12)
    # As the staff account spells it: upper-casing would spoil degrees like "S.Sos.".
    pdf.cell(75, 6, latin1(content.signer_name), align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _qr_caption(pdf, top + 12, column_x - PAGE_LEFT - 8)


def _qr_caption(pdf: FPDF, y: float, width: float) -> None:
    """The note beside the signature telling readers how to check the letter."""
    pdf.set_xy(PAGE_LEFT, y)
    pdf.set_font(FONT, "I", 9)
    pdf.multi_cell(width, 4.5, "Surat ini ditandatangani secara elektronik oleh Kepala Desa. "
                   "Untuk memeriksa keasliannya, pindai kode QR di samping dengan kamera "
                   "ponsel: halaman yang terbuka menampilkan jenis, nomor dan tanggal surat ini.",
                   align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def qr_png(url: str) -> io.BytesIO:
    """The QR code of `url` as an in-memory PNG."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return buffer
