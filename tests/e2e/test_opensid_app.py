"""The bot beside a running OpenSID v2410 (the real PHP application on its migrated demo
database), every part of ours a real process: residents request letters in the chat, the office
processes them in OpenSID's own admin pages (list, periksa, Lanjutkan Cetak, Siap Diambil,
Sudah Diambil, Dibatalkan) and the resident hears of each step; a letter our console signs shows
in OpenSID's archive. A public complaint from the chat is listed, opened and answered in
OpenSID's admin (Pengaduan Warga, Tanggapi) and each answer reaches the resident once; the
village website's Pengaduan page shows it, and never a private one.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from libs.siades.cli import create_staff
from tests.support.console_client import Staff, texts_of
from tests.support.opensid_print import parse_form, periksa_form, print_request
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


# --- complaints (Aduan) ---------------------------------------------------------------------

def complain(system: System, user: int, title: str, body: str, visibility: str) -> int:
    """The one-line complaint, then the resident's choice (PUBLIK / PRIVAT) sends it; its
    number."""
    asked = system.ask(user, f"ADUAN#{title}#{body}")["text"]
    assert "publik" in asked.lower(), asked
    system.messages(user)
    system.tap(user, f"ADUAN {visibility}")
    filed = texts_of(system.messages(user, wait=15))
    return int(re.search(r"A-(\d+)", filed).group(1))


def list_pengaduan(admin) -> list[dict]:
    """Pengaduan's admin list (Pengaduan > Pengaduan Warga) loads its table by AJAX from
    GET pengaduan_admin/datatables, as DataTables does (404 without X-Requested-With)."""
    admin.last_referer = admin.site + "/pengaduan_admin"
    page = admin.get("pengaduan_admin/datatables?draw=1&start=0&length=100&status=",
                     headers={"X-Requested-With": "XMLHttpRequest",
                              "Accept": "application/json"})
    assert page.code == 200, page.code
    return json.loads(page.text())["data"]


def answer_in_opensid(admin, pengaduan_id: int, reply: str, status: int) -> None:
    """"Tanggapi Pengaduan": the admin's form, posted as the browser posts it."""
    admin.last_referer = admin.site + "/pengaduan_admin"
    page = admin.get(f"pengaduan_admin/form/{pengaduan_id}")
    assert page.code == 200, page.code
    form = parse_form(page.text())
    form.fill("isi", reply, add=False)
    form.fill("status", str(status), add=False)
    admin.last_referer = page.url
    posted = admin.post(form.action, form.pairs(), follow=False)
    assert posted.code in (302, 303, 307), posted.code


def pengaduan_rows(opensid) -> list[list[str]]:
    rows = opensid.sql("SELECT id, config_id, IFNULL(id_pengaduan, ''), nik, judul, status, "
                       "ip_address FROM pengaduan ORDER BY id")
    return [line.split("\t") for line in rows.splitlines()]


def test_a_public_complaint_is_listed_and_answered_in_opensid_s_admin_and_the_answer_told_once(
        system, opensid):
    user = 8805
    system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    body = "Lampu jalan di gang Masjid mati sejak Senin 💡 <script>alert(1)</script>, gelap."
    number = complain(system, user, "Lampu jalan mati", body, "PUBLIK")

    [[pengaduan_id, config_id, parent, nik, title, status, address]] = pengaduan_rows(opensid)
    assert (config_id, parent, nik, title, status, address) == (
        "1", "", AHLUL_NIK, "Lampu jalan mati", "1", "telegram")

    admin = opensid.admin()
    assert admin.get("pengaduan_admin").code == 200  # the list page and its counts open
    [row] = list_pengaduan(admin)
    assert int(row["id"]) == int(pengaduan_id) and row["judul"] == "Lampu jalan mati"
    assert row["nama"] == "AHLUL" and "Menunggu Diproses" in row["status"]
    assert "<script>" not in row["isi"] and "Lampu jalan di gang Masjid" in row["isi"]
    detail = admin.get(f"pengaduan_admin/detail/{pengaduan_id}")
    assert detail.code == 200 and "Lampu jalan di gang Masjid" in detail.text()
    assert "‹script›alert(1)‹/script›" in detail.text()  # as text, in every font

    system.messages(user)
    answer_in_opensid(admin, int(pengaduan_id), "Petugas PLN dijadwalkan datang Kamis.", 2)
    told = wait_for(system, user, "Petugas PLN dijadwalkan datang Kamis.")
    assert f"A-{number}" in told and "Sedang Diproses" in told
    answer_in_opensid(admin, int(pengaduan_id), "Lampu sudah menyala kembali.", 3)
    told = wait_for(system, user, "Lampu sudah menyala kembali.")
    assert "Selesai Diproses" in told and "Petugas PLN" not in told  # each answer once
    # OpenSID keeps both answers as its child rows; our Status shows the complaint closed
    answers = [r for r in pengaduan_rows(opensid) if r[2] == pengaduan_id]
    assert [r[5] for r in answers] == ["3", "3"]  # kirim sets the status on earlier answers
    assert "Selesai Diproses" in system.ask(user, "Status")["text"]
    time.sleep(5)  # a few of the watcher's passes: nothing is told twice
    assert "Lampu sudah menyala" not in texts_of(system.messages(user, wait=1))


def test_the_village_website_shows_a_public_complaint_and_never_a_private_one(system, opensid):
    # The village turns on its website's Pengaduan page (Admin Web > Menu), as many do.
    opensid.sql("INSERT INTO menu (config_id, nama, link, parrent, link_tipe, enabled, urut) "
                "VALUES (1, 'Pengaduan', 'pengaduan', 0, 99, 1, 9)")
    opensid.clear_caches()
    user = 8806
    system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    complain(system, user, "Jembatan retak",
             "Jembatan bambu di Dusun Montong retak, berbahaya untuk anak sekolah.", "PUBLIK")
    private = complain(system, user, "Tetangga berisik",
                       "Tetangga saya memutar musik keras setiap malam sampai pukul dua.",
                       "PRIVAT")

    assert [r[4] for r in pengaduan_rows(opensid)] == ["Jembatan retak"]  # the private: none
    website = requests.get(f"{opensid.url}/index.php/pengaduan", timeout=60)
    assert website.status_code == 200
    assert "Jembatan bambu di Dusun Montong retak" in website.text
    assert "Tetangga" not in website.text and "musik keras" not in website.text
    assert [r["judul"] for r in list_pengaduan(opensid.admin())] == ["Jembatan retak"]
    # the private one is the resident's and the console's: the chat's Status lists it
    assert f"A-{private}" in system.ask(user, "Status")["text"]
