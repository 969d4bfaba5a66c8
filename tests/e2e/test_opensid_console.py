"""Our console's corrections and returns beside a running OpenSID v2410 and on 22.12's demo
database: an answer the clerk corrects fills OpenSID's own periksa form (22.12: the answers as
the chat stores them), and a request returned as Belum Lengkap is listed as such in OpenSID's
admin, with the message, while the resident hears of it; the letter's preview prints OpenSID's
data."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from libs.siades.cli import create_staff
from tests.e2e import test_opensid_app
from tests.e2e.test_opensid_app import AHLUL_KK, AHLUL_NIK, request_number, wait_for
from tests.support.console_client import Staff
from tests.support.opensid_print import periksa_form
from tests.support.system import ROOT, System

opensid, system = test_opensid_app.opensid, test_opensid_app.system  # the fixtures


def test_a_corrected_answer_and_a_returned_request_show_in_opensid_s_admin(system, opensid):
    engine = create_engine(opensid.database_url)
    create_staff(engine, "operator", "Baiq Operator", "operator", "operator-pass")
    create_staff(engine, "kades", "H. Lalu Kades", "kepala_desa", "kades-pass")
    system.start_console()
    user = 8811
    system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    number = request_number(system.ask(user, "SKU#Peternakan Ayma#Bank BNI#Pinjaman Modal"))
    clerk = Staff(system.console, "operator", "operator-pass")

    # The typo corrected in our console fills OpenSID's own periksa form.
    page = clerk.post(f"/permohonan/{number}/isian", f"/permohonan/{number}/isian",
                      usaha="Peternakan Ayam", tujuan="Bank BNI", kegunaan="Pinjaman Modal")
    assert "Peternakan Ayma → Peternakan Ayam" in page.text
    admin = opensid.admin()
    _page, form, isian = periksa_form(admin, number)
    assert isian["nama_usaha"] == "Peternakan Ayam" and isian["usaha"] == "Peternakan Ayam"
    assert form.first("nama_usaha").value == "Peternakan Ayam"
    assert "Pinjaman Modal" in form.first("keperluan").value

    # The preview on OpenSID's data: the corrected answer, marked PRATINJAU, nothing written.
    preview = clerk.http.get(f"{system.console}/permohonan/{number}/pratinjau.pdf", timeout=30)
    assert preview.headers["Content-Type"] == "application/pdf", preview.text
    printed = PdfReader(io.BytesIO(preview.content)).pages[0].extract_text()
    assert "PRATINJAU" in printed and "Peternakan Ayam" in printed and "AHLUL" in printed
    assert "H. Lalu Kades" in printed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM log_surat WHERE keterangan = :note"),
                            {"note": f"Telegram #{number}"}).scalar_one() == 0

    # Returned as Belum Lengkap: OpenSID lists it so, with the message; the resident is told.
    clerk.post(f"/permohonan/{number}", f"/permohonan/{number}/kembalikan",
               reason="Lampirkan foto tempat usaha")
    [row] = admin.list_permohonan(status=0)
    assert (row["id"], row["status"]) == (number, 0)
    assert row["keterangan"] == "Lampirkan foto tempat usaha"
    assert "Belum Lengkap" in wait_for(system, user, "Belum Lengkap")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT isian_form FROM permohonan_surat WHERE id = :id"),
                              {"id": number}).scalar_one()
    engine.dispose()
    assert json.loads(stored)["url_surat"] == "surat-keterangan-usaha"  # OpenSID's keys kept


@pytest.fixture
def system_2212(amqp_url, opensid_db_url, tmp_path):
    """Every part of ours beside OpenSID 22.12's demo database, with the console."""
    subprocess.run([sys.executable, "-m", "libs.siades", "init-db"], cwd=ROOT, check=True,
                   capture_output=True,
                   env={"DATABASE_URL": opensid_db_url, "PATH": "/usr/bin:/bin"})
    engine = create_engine(opensid_db_url)
    create_staff(engine, "operator", "Baiq Operator", "operator", "operator-pass")
    engine.dispose()
    system = System(amqp_url, opensid_db_url, tmp_path).start()
    system.start_console()
    yield system
    system.stop()


def test_on_opensid_2212_a_correction_keeps_the_answers_as_the_chat_stores_them(
        system_2212, opensid_db_url):
    user = 8812
    system_2212.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    number = request_number(system_2212.ask(user, "SKD#Kantor Camat Batulayr#Beasiswa Anak"))
    clerk = Staff(system_2212.console, "operator", "operator-pass")
    clerk.post(f"/permohonan/{number}/isian", f"/permohonan/{number}/isian",
               tujuan="Kantor Camat Batulayar", kegunaan="Beasiswa Anak")
    clerk.post(f"/permohonan/{number}", f"/permohonan/{number}/kembalikan",
               reason="Sebutkan nama sekolah anak")
    engine = create_engine(opensid_db_url)
    with engine.connect() as conn:
        form, status, note = conn.execute(text(
            "SELECT isian_form, status, keterangan FROM permohonan_surat WHERE id = :id"),
            {"id": number}).one()
    engine.dispose()
    # 22.12 keeps the chat's answers as they are: the corrected one, nothing added
    assert json.loads(form) == {"tujuan": "Kantor Camat Batulayar", "kegunaan": "Beasiswa Anak"}
    assert (status, note) == (0, "Sebutkan nama sekolah anak")
    assert "Belum Lengkap" in wait_for(system_2212, user, "Belum Lengkap")
