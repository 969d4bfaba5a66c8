"""The console as the office's daily tool, in Debian's Chromium: the Kepala Desa lands on what
awaits his signature, previews the letter, signs and sees its number, withdraws it; the clerk
corrects an answer and returns a request as Belum Lengkap; the residents' page unlinks,
relinks and unlocks, each telling the chats (bot_outbox). Screenshots of every new page, at a
laptop's and a phone's width, go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from libs import texts
from libs.contracts import decode_outgoing
from libs.siades.bot_models import OutboxEntry, RegistrationAttempt
from libs.siades.coltypes import utcnow
from libs.siades.db import session_scope
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from tests.browser.test_staff_console import HEAD_NAME, HEAD_NIK, add_request, console, log_in
from tests.support.screens import screenshot_dir, shoot

SKU = {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI", "kegunaan": "Pinjaman Modal"}
OLD_CHAT, NEW_CHAT, LOCKED_CHAT = 5551001, 5551002, 5551003
__all__ = ["console"]  # the fixture, shared with the first console test




def set_status(session_factory, request_id: int, status: int) -> None:
    with session_scope(session_factory) as session:
        session.get(LetterRequest, request_id).status = status


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()


def test_the_kepala_desa_previews_signs_sees_the_number_and_withdraws(
        browser_context, console, session_factory):
    request_id = add_request(session_factory, "SKU", SKU)
    set_status(session_factory, request_id, 2)
    page = browser_context.new_page()
    log_in(page, console, "kades")
    # He lands on what awaits his signature, the counts on every tab.
    expect(page.locator('.tabs a[aria-current="page"]')).to_contain_text("Menunggu Tandatangan")
    expect(page.locator('.tabs a[aria-current="page"] .count')).to_have_text("1")
    expect(page.get_by_role("table")).to_contain_text(HEAD_NAME)
    shoot(page, "queue-kepala-desa")
    page.get_by_role("link", name=f"#{request_id}", exact=True).click()
    number = page.get_by_test_id("next-number").locator("strong").inner_text()
    shoot(page, "request-awaiting-signature")

    # The preview opens from the request page: the very letter, marked PRATINJAU.
    preview = page.get_by_role("link", name="Pratinjau surat (PDF)")
    response = page.request.get(console + preview.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "PRATINJAU" in text and f"Nomor: {number}" in text and "Peternakan Ayam" in text
    if folder := screenshot_dir():
        (folder / "preview.pdf").write_bytes(response.body())

    page.get_by_role("button", name="Tandatangani dan terbitkan surat").click()
    expect(page.get_by_role("status")).to_contain_text(f"Nomor surat: {number}.")
    expect(page.get_by_test_id("letter-number")).to_have_text(number)
    expect(page.get_by_role("link", name="Unduh surat (PDF)")).to_be_visible()
    shoot(page, "request-signed")

    # Withdrawn: a reason is required, then the page says so and the tab Dicabut lists it.
    page.get_by_role("button", name="Cabut surat").click()
    expect(page.get_by_test_id("status")).to_contain_text("Siap Diambil")
    page.get_by_label("Alasan pencabutan surat").fill("Nama usaha salah ketik")
    page.get_by_role("button", name="Cabut surat").click()
    expect(page.get_by_test_id("status")).to_contain_text("Dibatalkan (Dicabut)")
    expect(page.get_by_test_id("letter")).to_contain_text("Nama usaha salah ketik")
    shoot(page, "request-withdrawn")
    page.get_by_role("link", name="Kembali ke antrean").click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_contain_text("Dicabut")
    expect(page.get_by_role("table")).to_contain_text(number)


def test_the_clerk_corrects_an_answer_and_returns_a_request(
        browser_context, console, session_factory):
    request_id = add_request(session_factory, "SKU", SKU)
    page = browser_context.new_page()
    log_in(page, console, "ani")
    expect(page.locator('.tabs a[aria-current="page"]')).to_contain_text("Sedang Diperiksa")
    shoot(page, "queue-operator")
    page.get_by_role("link", name=f"#{request_id}", exact=True).click()
    page.get_by_role("link", name="Perbaiki isian").click()
    page.get_by_label("Bentuk usaha").fill("A")
    page.get_by_role("button", name="Simpan perbaikan").click()
    expect(page.get_by_role("alert")).to_contain_text("Bentuk usaha terlalu pendek")
    shoot(page, "correct-refused")
    page.get_by_label("Bentuk usaha").fill("Peternakan Bebek")
    page.get_by_role("button", name="Simpan perbaikan").click()
    expect(page.get_by_role("status")).to_contain_text("Peternakan Ayam → Peternakan Bebek")
    expect(page.get_by_role("table")).to_contain_text("Peternakan Bebek")
    with session_scope(session_factory) as session:
        assert json.loads(session.get(LetterRequest, request_id).form)["usaha"] == \
            "Peternakan Bebek"

    page.get_by_label("Yang perlu dilengkapi pemohon").fill("Sebutkan alamat usaha Anda")
    shoot(page, "request-checking")
    page.get_by_role("button", name="Kembalikan (Belum Lengkap)").click()
    expect(page.get_by_test_id("status")).to_contain_text("Belum Lengkap")
    expect(page.get_by_test_id("note")).to_have_text("Sebutkan alamat usaha Anda")
    page.get_by_role("link", name="Kembali ke antrean").click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_contain_text("Belum Lengkap")
    expect(page.get_by_role("table")).to_contain_text("Sebutkan alamat usaha Anda")


def outbox(session_factory) -> list[tuple[int, str]]:
    with session_scope(session_factory) as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        return [(m.chat_id, m.text) for m in (decode_outgoing(e.payload) for e in entries)]


@pytest.fixture
def linked_head(session_factory) -> None:
    """The head of family linked to OLD_CHAT; NEW_CHAT failed to register him twice (already
    linked), LOCKED_CHAT three times (a wrong No KK)."""
    digest = hashlib.sha256(HEAD_NIK.encode()).hexdigest()
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        resident.telegram = str(OLD_CHAT)
        for chat, times in ((NEW_CHAT, 2), (LOCKED_CHAT, 3)):
            session.add_all(RegistrationAttempt(chat_id=chat, attempted_at=utcnow(),
                                                success=False, reason="no_match",
                                                nik_digest=digest) for _ in range(times))


def test_the_residents_page_unlocks_relinks_and_unlinks(
        browser_context, console, session_factory, linked_head):
    page = browser_context.new_page()
    log_in(page, console, "ani")
    page.get_by_role("link", name="Penduduk").click()
    page.get_by_label("Nama").fill("budi")
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_role("table")).to_contain_text(HEAD_NIK)
    shoot(page, "residents-search")
    page.get_by_role("link", name=HEAD_NAME).click()
    expect(page.get_by_test_id("telegram")).to_contain_text(str(OLD_CHAT))
    expect(page.get_by_test_id("attempts")).to_contain_text(str(NEW_CHAT))
    shoot(page, "resident")

    page.get_by_label("Pindahkan ke akun Telegram").select_option(str(NEW_CHAT))
    page.get_by_role("button", name="Pindahkan").click()  # the KTP box unticked: the form refuses
    expect(page.get_by_test_id("telegram")).to_contain_text(f"akun Telegram {OLD_CHAT}")
    page.get_by_label("KTP pemilik data sudah saya periksa").check()
    page.get_by_role("button", name="Pindahkan").click()
    expect(page.get_by_role("status")).to_contain_text("kedua akun diberi tahu")
    expect(page.get_by_test_id("telegram")).to_contain_text(f"akun Telegram {NEW_CHAT}")
    assert outbox(session_factory) == [(OLD_CHAT, texts.CONSOLE_MOVED_AWAY),
                                       (NEW_CHAT, texts.CONSOLE_LINKED)]
    shoot(page, "resident-relinked")

    page.get_by_label("Buka kunci pendaftaran akun Telegram").select_option(str(LOCKED_CHAT))
    page.get_by_role("button", name="Buka kunci").click()
    expect(page.get_by_role("status")).to_contain_text("5 percobaan gagal dihapus")
    assert outbox(session_factory)[2:] == [(LOCKED_CHAT, texts.CONSOLE_UNLOCKED)]

    page.get_by_role("button", name="Putuskan hubungan Telegram").click()
    expect(page.get_by_test_id("telegram")).to_contain_text("Tidak terhubung")
    assert outbox(session_factory)[3:] == [(NEW_CHAT, texts.CONSOLE_UNLINKED)]
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        assert (resident.telegram, resident.telegram_verified_at) == (None, None)
    shoot(page, "resident-unlinked")


def test_the_kepala_desa_sees_the_nik_masked(browser_context, console, session_factory):
    page = browser_context.new_page()
    log_in(page, console, "kades")
    page.goto(f"{console}/penduduk?q={HEAD_NIK}")
    expect(page.get_by_role("table")).to_contain_text(HEAD_NAME)
    expect(page.get_by_role("table")).not_to_contain_text(HEAD_NIK)
    expect(page.get_by_role("table")).to_contain_text(HEAD_NIK[:4] + "*" * 10 + HEAD_NIK[-2:])
    shoot(page, "residents-search-kepala-desa")
