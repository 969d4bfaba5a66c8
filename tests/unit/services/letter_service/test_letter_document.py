"""The letter PDF: what it prints, read back with pypdf."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from libs.siades.bot_models import STAFF_HEAD, Staff
from libs.siades.letter_forms import format_ids
from libs.siades.letters import LetterRequest
from services.letter_service.document import build_content, latin1, render_pdf

NUMBER = "S-14/007/3517092006/XI/2026"
URL = "https://desa.example.id/verify/abc.def"
ISSUED = date(2026, 11, 28)
SKU = {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI", "kegunaan": "Pengajuan Pinjaman Modal"}


@pytest.fixture(scope="module")
def content(seeded_sqlite_template):
    from libs.siades.db import make_engine, make_session_factory

    engine = make_engine(f"sqlite:///{seeded_sqlite_template}")
    with make_session_factory(engine)() as session:
        request = LetterRequest(id=1, resident_id=1, format_id=format_ids(session)["SKU"],
                                status=2, form=json.dumps(SKU))
        signer = Staff(full_name="H. Moch. Sholeh, S.Sos.", role=STAFF_HEAD)
        built = build_content(session, request, signer, NUMBER, URL, ISSUED)
        session.rollback()
    engine.dispose()
    return built


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, " ".join((page.extract_text() or "").replace("\n", " ")
                            for page in reader.pages)


def test_the_content_comes_from_the_registry_and_the_request(content):
    identity = dict(content.identity)
    assert identity["Nama"] == "BUDI SANTOSO"
    assert identity["NIK"] == "3517091204780001"  # the holder's own letter: in full
    assert identity["Tempat/Tanggal Lahir"] == "JOMBANG, 12 April 1978"
    assert identity["Alamat"].startswith("Jl. Melati No. 5, RT 001, RW 001, Dusun KRAJAN")
    assert "mempunyai usaha Peternakan Ayam" in content.statement
    assert (content.purpose, content.use) == ("Bank BNI", "Pengajuan Pinjaman Modal")
    assert content.place_and_date == "Sumbermulyo, 28 November 2026"
    assert content.signer_title == "Kepala Desa Sumbermulyo"


def test_the_pdf_prints_the_letter(content):
    reader, text = pdf_text(render_pdf(content))
    assert len(reader.pages) == 1
    for expected in ("PEMERINTAH KABUPATEN JOMBANG", "DESA SUMBERMULYO",
                     "SURAT KETERANGAN USAHA", NUMBER, "BUDI SANTOSO", "3517091204780001",
                     "Peternakan Ayam", "Bank BNI", "Sumbermulyo, 28 November 2026",
                     "Ditandatangani secara elektronik", "H. Moch. Sholeh, S.Sos."):
        assert expected in text, expected
    assert len(reader.pages[0].images) == 1  # the QR code
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 portrait


def test_equal_content_gives_identical_bytes(content):
    assert render_pdf(content) == render_pdf(content)


def test_text_outside_latin1_is_printed_safely(content):
    purpose = "Bank \u201cBNI\u201d \u2013 \u0411\u0430\u043d\u043a \U0001F600"
    odd = replace(content, purpose=purpose)
    _, text = pdf_text(render_pdf(odd))
    assert 'Bank "BNI" - ????' in text
    assert latin1("Caf\u00e9 \u2019") == "Caf\u00e9 '"
