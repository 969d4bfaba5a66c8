"""The bot beside a running OpenSID v2410 (the real PHP application on its migrated demo
database), every part of ours a real process: residents request letters in the chat, the office
processes them in OpenSID's own admin pages (list, periksa, Lanjutkan Cetak, Siap Diambil,
Sudah Diambil, Dibatalkan) and the resident hears of each step; a letter our console signs shows
in OpenSID's archive.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from libs.siades.cli import create_staff
from tests.support.console_client import Staff, texts_of
from tests.support.opensid_print import periksa_form, print_request
from tests.support.system import ROOT, System

AHLUL_NIK, AHLUL_KK = "5201142005716996", "5201140104126994"  # KAWIN, no Layanan Mandiri
ALLIF_NIK = "5201140706966997"  # AHLUL's son, BELUM KAWIN, has a Layanan Mandiri account


@pytest.fixture
def opensid(opensid_v2410_app):
    """The running OpenSID with a fresh copy of its demo database, init-db run beside it."""
    subprocess.run([sys.executable, "-m", "libs.siades", "init-db"], cwd=ROOT, check=True,
                   capture_output=True,
                   env={"DATABASE_URL": opensid_v2410_app.database_url, "PATH": "/usr/bin:/bin"})
    return opensid_v2410_app


@pytest.fixture
def system(amqp_url, opensid, tmp_path):
    system = System(amqp_url, opensid.database_url, tmp_path).start()
    yield system
    system.stop()


def wait_for(system: System, chat_id: int, wanted: str, timeout: float = 30) -> str:
    """The bot's messages to `chat_id` until one holds `wanted`; their texts."""
    seen = []
    for _ in range(int(timeout / 5)):
        seen += system.messages(chat_id, wait=5)
        if wanted in texts_of(seen):
            return texts_of(seen)
    raise AssertionError(f"no {wanted!r} within {timeout} s; got {texts_of(seen)!r}")


def request_number(reply: dict) -> int:
    return int(re.search(r"nomor <b>(\d+)</b> berhasil diajukan", reply["text"]).group(1))


def test_a_chat_request_is_processed_in_opensid_s_admin_and_each_step_reaches_the_resident(
        system, opensid):
    user = 8801
    assert "Senggig1" in system.ask(user, "/start")["text"]
    assert "AHLUL" in system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")["text"]
    number = request_number(
        system.ask(user, "SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal"))

    admin = opensid.admin()
    [row] = admin.list_permohonan()  # Layanan Surat -> Permohonan Surat
    assert row["id"] == number and row["status"] == 1
    assert (row["penduduk"]["nama"], row["penduduk"]["nik"]) == ("AHLUL", AHLUL_NIK)
    assert row["surat"]["url_surat"] == "surat-keterangan-usaha"

    # "Periksa" opens (AHLUL has no Layanan Mandiri account of his own) with the fields filled
    page, form, isian = periksa_form(admin, number)
    assert page.code == 200 and isian["nama_usaha"] == "Peternakan Ayam"
    assert form.first("nama_usaha").value == "Peternakan Ayam"
    assert "Pengajuan Pinjaman Modal" in form.first("keperluan").value

    # Lanjutkan Cetak (1 -> 2), then Siap Diambil (3) and Sudah Diambil (4) from the list page
    pdf, log_id = print_request(admin, number)
    assert pdf.startswith(b"%PDF") and log_id
    assert "Peternakan Ayam" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    told = wait_for(system, user, "Menunggu Tandatangan")
    assert admin.proses(number, 3)[0] in (302, 303, 307)
    told += "\n" + wait_for(system, user, "Siap Diambil")
    assert admin.proses(number, 4)[0] in (302, 303, 307)
    told += "\n" + wait_for(system, user, "Sudah Diambil")
    steps = [state for state in ("Menunggu Tandatangan", "Siap Diambil", "Sudah Diambil")
             if state in told]
    assert steps == ["Menunggu Tandatangan", "Siap Diambil", "Sudah Diambil"]
    assert told.index("Menunggu Tandatangan") < told.index("Siap Diambil") \
        < told.index("Sudah Diambil")
    assert f"nomor <b>{number}</b>" in told
    assert "Sudah Diambil" in system.ask(user, "Status")["text"]


def test_a_request_cancelled_in_opensid_reaches_the_resident(system, opensid):
    user = 8802
    system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    number = request_number(system.ask(user, "SKD#Kantor Camat Batulayar#Persyaratan Beasiswa"))
    admin = opensid.admin()
    assert admin.proses(number, 5)[0] in (302, 303, 307)  # Dibatalkan, by the office
    told = wait_for(system, user, "Ditolak")  # to the resident, a rejection: not their doing
    assert "Kantor desa <b>menolak</b> permohonan ini" in told and "permohonan baru" in told
    # and the resident may ask again
    again = system.ask(user, "SKD#Kantor Camat Batulayar#Persyaratan Beasiswa")
    assert "berhasil diajukan" in again["text"]


def test_opensid_opens_and_prints_the_bot_s_skbpn_request(system, opensid):
    user = 8803
    system.ask(user, f"DAFTAR#{ALLIF_NIK}#{AHLUL_KK}")
    number = request_number(system.ask(user, "SKBPN#KUA Batulayar#Persyaratan Menikah"))
    admin = opensid.admin()
    [row] = admin.list_permohonan()
    assert row["surat"]["url_surat"] == "surat-keterangan-belum-pernah-menikah"
    assert row["penduduk"]["nama"] == "AHMAD ALLIF RIZKI"
    _page, form, _isian = periksa_form(admin, number)
    assert "KUA Batulayar" in form.first("keperluan").value
    pdf, log_id = print_request(admin, number)
    printed = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "belum pernah menikah" in printed.lower() and "AHMAD ALLIF RIZKI" in printed
    assert "KUA Batulayar" in printed
    engine = create_engine(opensid.database_url)
    with engine.connect() as conn:
        config_id, format_url = conn.execute(text(
            "SELECT l.config_id, f.url_surat FROM log_surat l "
            "JOIN tweb_surat_format f ON f.id = l.id_format_surat WHERE l.id = :id"),
            {"id": log_id}).one()
    engine.dispose()
    assert (config_id, format_url) == (1, "surat-keterangan-belum-pernah-menikah")
    assert "Menunggu Tandatangan" in wait_for(system, user, "Menunggu Tandatangan")


def test_a_letter_our_console_signs_shows_in_opensid_s_archive(system, opensid):
    engine = create_engine(opensid.database_url)
    create_staff(engine, "operator", "Baiq Operator", "operator", "operator-pass")
    create_staff(engine, "kades", "H. Lalu Kades", "kepala_desa", "kades-pass")
    system.start_console()
    user = 8804
    system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    number = request_number(system.ask(user, "SKD#Kantor Camat Batulayar#Beasiswa Anak"))
    operator = Staff(system.console, "operator", "operator-pass")
    operator.post(f"/permohonan/{number}", f"/permohonan/{number}/periksa")
    head = Staff(system.console, "kades", "kades-pass")
    head.post(f"/permohonan/{number}", f"/permohonan/{number}/tandatangani")
    assert "Siap Diambil" in wait_for(system, user, "Siap Diambil")

    with engine.connect() as conn:
        log_id, no_surat, form = conn.execute(text(
            "SELECT l.id, l.no_surat, p.isian_form FROM log_surat l JOIN permohonan_surat p "
            "ON p.id_surat = l.id_format_surat WHERE p.id = :id"), {"id": number}).one()
    engine.dispose()
    assert json.loads(form)["nomor"] == no_surat  # how OpenSID links request and letter
    admin = opensid.admin()
    admin.last_referer = admin.site + "/keluar"
    archive = admin.get("keluar/datatables?draw=1&start=0&length=50",
                        headers={"X-Requested-With": "XMLHttpRequest"})
    assert archive.code == 200
    rows = json.loads(archive.text())["data"]
    [ours] = [r for r in rows if r["id"] == log_id]
    shown = json.dumps(ours)
    assert "AHLUL" in shown and "H. Lalu Kades" in shown
    # the request's row in OpenSID's own list says Siap Diambil too
    [listed] = admin.list_permohonan()
    assert listed["status"] == 3
