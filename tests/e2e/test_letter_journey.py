"""A letter from request to verified PDF, every component a real process:

resident (simulator) -> gateway -> letter_service -> permohonan_surat; staff console: check,
sign -> status watcher -> notifier -> the resident gets each status message and the PDF; the
gateway's /verify page says the letter is genuine, and that a tampered token is not.
"""

from __future__ import annotations

import io
import re

import pytest
import requests
from pypdf import PdfReader

from libs.siades.bot_models import LetterDocument
from libs.siades.cli import create_staff
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from tests.support.console_client import Staff, texts_of
from tests.support.system import System

NIK, NO_KK, NAME = DEMO_RESIDENTS["head"]
USER = 7401


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    create_staff(engine, "operator", "Ani Rahmawati", "operator", "operator-pass")
    create_staff(engine, "kades", "H. Moch. Sholeh", "kepala_desa", "kades-pass")
    engine.dispose()
    system = System(amqp_url, sqlite_url, tmp_path).start()
    system.start_console()
    yield system
    system.stop()


def test_request_check_sign_deliver_verify(system):
    assert "berhasil" in system.ask(USER, f"DAFTAR#{NIK}#{NO_KK}")["text"]
    submitted = system.ask(USER, "SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal")
    number = re.search(r"nomor <b>(\d+)</b> berhasil diajukan", submitted["text"]).group(1)

    operator = Staff(system.console, "operator", "operator-pass")
    operator.post(f"/permohonan/{number}", f"/permohonan/{number}/periksa")
    checked = texts_of(system.messages(USER, wait=15))
    assert f"nomor <b>{number}</b>: <b>Menunggu Tandatangan</b>" in checked

    head = Staff(system.console, "kades", "kades-pass")
    head.post(f"/permohonan/{number}", f"/permohonan/{number}/tandatangani")
    delivered = system.messages(USER, wait=15)
    if len(delivered) < 2:
        delivered += system.messages(USER, wait=15)
    assert "Siap Diambil" in texts_of(delivered)
    # The PDF is the letter itself: said plainly, with when the office's paper is needed
    assert "PDF itu adalah surat yang sah" in texts_of(delivered)
    assert "Anda tidak perlu ke kantor desa" in texts_of(delivered)
    [document] = [m for m in delivered if m["method"] == "sendDocument"]
    assert "Surat ini sah dalam bentuk PDF ini" in document["caption"]
    pdf = requests.get(f"{system.sim}/sim/files/{document['document']['file_id']}",
                       timeout=10).content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert NAME in text and "Peternakan Ayam" in text
    letter_number = re.search(r"Nomor: (\S+)", text).group(1)
    assert letter_number in document["caption"]

    assert "Siap Diambil" in head.http.get(f"{system.console}/permohonan/{number}",
                                           timeout=10).text
    token = issued_token(system, int(number))  # what the QR code on the letter carries
    genuine = requests.get(f"{system.gateway}/verify/{token}", timeout=10)
    assert genuine.status_code == 200 and "Surat ini ASLI" in genuine.text
    shown = re.sub(r"<[^>]+>", "", genuine.text)  # the number's parts are each in a span
    assert letter_number in shown and NIK not in shown
    assert "Pemerintah Desa Sumbermulyo (kode desa 3517092006)" in " ".join(shown.split())
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    refused = requests.get(f"{system.gateway}/verify/{tampered}", timeout=10)
    assert refused.status_code == 404 and "TIDAK dapat diverifikasi" in refused.text

    dashboard = head.http.get(f"{system.console}/dasbor", timeout=10).text
    figures = " ".join(re.sub(r"<[^>]+>", " ", dashboard).split())
    print(f"dashboard: {figures}")
    assert "Surat Keterangan Usaha" in figures and "H. Moch. Sholeh" in figures

    calls = system.calls()
    assert all(call["status"] == 200 for call in calls), [c for c in calls if c["status"] != 200]


def issued_token(system: System, request_id: int) -> str:
    factory = make_session_factory(make_engine(system.env["DATABASE_URL"]))
    with factory() as session:
        return session.get(LetterDocument, request_id).token
