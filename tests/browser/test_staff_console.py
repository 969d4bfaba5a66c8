"""The staff console in Debian's Chromium: an operator checks, the Kepala Desa signs and the
letter downloads, a request is rejected with a reason the request then shows."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from libs.config import Settings
from libs.letter_tokens import generate_keypair
from libs.siades.cli import create_staff
from libs.siades.db import session_scope
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import format_ids
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from services.letter_service.console import create_console
from tools.telegram_sim.testing import serve

PASSWORD = "rahasia-desa-123"
HEAD_NIK, _HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]


def add_request(session_factory, kind: str, fields: dict) -> int:
    """A request of the demo head of family in Sedang Diperiksa."""
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        request = LetterRequest(resident_id=resident.id, format_id=format_ids(session)[kind],
                                form=json.dumps(fields), status=1, phone="081234567890",
                                requirements="[]")
        session.add(request)
        session.flush()
        return request.id


@pytest.fixture
def console(sqlite_url, session_factory, tmp_path):
    """The console served on a loopback port, with an operator and the Kepala Desa."""
    key_file, _ = generate_keypair(tmp_path / "keys")
    settings = Settings(database_url=sqlite_url, console_secret_key="browser-test",
                        letter_signing_key_file=str(key_file))
    engine = session_factory.kw["bind"]
    create_staff(engine, "ani", "Ani Operator", "operator", PASSWORD)
    create_staff(engine, "kades", "Suparman", "kepala_desa", PASSWORD)
    with serve(create_console(settings, session_factory)) as url:
        yield url


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Antrean permohonan surat")).to_be_visible()


def open_request(page: Page, url: str, status: int, request_id: int) -> None:
    page.goto(f"{url}/permohonan?status={status}")
    page.get_by_role("link", name=f"#{request_id}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Permohonan #{request_id}:")).to_be_visible()


def test_check_sign_download_and_reject(browser_context, console, session_factory):
    sku = add_request(session_factory, "SKU", {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI",
                                               "kegunaan": "Pinjaman Modal"})
    skd = add_request(session_factory, "SKD", {"tujuan": "Kecamatan", "kegunaan": "Beasiswa"})
    page = browser_context.new_page()

    # The operator sees both in the queue and checks the SKU request.
    log_in(page, console, "ani")
    queue = page.get_by_role("table")
    expect(queue).to_contain_text(HEAD_NAME)
    expect(queue).to_contain_text(HEAD_NIK)
    expect(queue).to_contain_text("Peternakan Ayam")
    open_request(page, console, 1, sku)
    expect(page.get_by_role("button", name="Tandatangani dan terbitkan surat")).to_have_count(0)
    page.get_by_role("button", name="Sudah diperiksa, teruskan ke Kepala Desa").click()
    expect(page.get_by_test_id("status")).to_contain_text("Menunggu Tandatangan")
    page.get_by_role("button", name="Keluar").click()

    # The Kepala Desa signs it: ready to collect, and the PDF downloads.
    log_in(page, console, "kades")
    open_request(page, console, 2, sku)
    page.get_by_role("button", name="Tandatangani dan terbitkan surat").click()
    expect(page.get_by_test_id("status")).to_contain_text("Siap Diambil")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh surat (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("SKU-")
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The SKD request is rejected with a reason the request shows from then on.
    open_request(page, console, 1, skd)
    page.get_by_role("button", name="Tolak permohonan").click()  # no reason: the form refuses
    expect(page.get_by_test_id("status")).to_contain_text("Sedang Diperiksa")
    page.get_by_label("Alasan penolakan").fill("Tujuan surat kurang jelas")
    page.get_by_role("button", name="Tolak permohonan").click()
    expect(page.get_by_test_id("status")).to_contain_text("Dibatalkan")
    expect(page.get_by_test_id("note")).to_have_text("Tujuan surat kurang jelas")
    page.goto(f"{console}/permohonan?status=5")
    expect(page.get_by_role("table")).to_contain_text("Tujuan surat kurang jelas")
