"""The chat page against the whole system: simulator -> gateway -> RabbitMQ -> workers ->
notifier -> simulator, every part a process, on the seeded demo village: a resident registering,
a letter request cancelled, a complaint written and the operator's alert of it."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from libs.siades.bot_models import Staff
from libs.siades.cli import create_staff
from libs.siades.coltypes import utcnow
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from services.letter_service import staff_link
from tests.support.screens import PHONE, close_panel, shoot
from tests.support.system import System

NIK, NO_KK, NAME = DEMO_RESIDENTS["head"]
REPLY_TIMEOUT = 15_000  # ms: a reply crosses four processes and a broker


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = System(amqp_url, sqlite_url, tmp_path).start()
    yield system
    system.stop()


def bot_messages(page):
    return page.locator('[data-testid="message"][data-from="bot"]')


def test_a_demo_resident_registers_by_typing_then_taps_biodata(browser_context, system):
    page = browser_context.new_page()
    page.goto(system.sim)
    expect(page.get_by_test_id("empty-chat")).to_be_visible()

    page.get_by_test_id("start-button").click()
    expect(bot_messages(page).last).to_contain_text("belum terhubung", timeout=REPLY_TIMEOUT)

    box = page.get_by_test_id("message-input")
    box.fill(f"DAFTAR#{NIK}#{NO_KK}")
    box.press("Enter")
    registered = bot_messages(page).last
    expect(registered).to_contain_text("Pendaftaran berhasil", timeout=REPLY_TIMEOUT)
    expect(registered.locator("strong").first).to_have_text(NAME)  # <b> from parse_mode HTML

    keyboard = page.get_by_test_id("reply-keyboard").get_by_test_id("reply-keyboard-button")
    expect(keyboard).to_have_text(["Biodata", "Keluarga", "Surat", "PKH", "BPNT", "KIS",
                                     "Aduan", "Status"])
    keyboard.filter(has_text="Biodata").click()
    biodata = bot_messages(page).last
    expect(biodata).to_contain_text("Tempat/Tgl Lahir", timeout=REPLY_TIMEOUT)
    expect(biodata).to_contain_text(NAME)
    expect(biodata).to_contain_text(f"{NIK[:4]}**********{NIK[-2:]}")
    expect(biodata).not_to_contain_text(NIK)

    keyboard.filter(has_text="Surat").click()
    kinds = bot_messages(page).last
    expect(kinds).to_contain_text("Layanan Surat", timeout=REPLY_TIMEOUT)
    kinds.get_by_test_id("inline-button").filter(has_text="SKD").click()
    expect(bot_messages(page).last).to_contain_text("(1/2)", timeout=REPLY_TIMEOUT)
    assert all(call["status"] == 200 for call in system.calls())


def test_cancelling_asks_first_and_a_spent_button_says_what_happened(browser_context, system,
                                                                     tmp_path):
    page = browser_context.new_page()
    page.goto(system.sim)
    page.get_by_test_id("start-button").click()
    expect(bot_messages(page).last).to_contain_text("belum terhubung", timeout=REPLY_TIMEOUT)
    box = page.get_by_test_id("message-input")

    def newest(expected: str):
        """The bot's newest message, once it holds `expected`, pinned (not "the last")."""
        expect(bot_messages(page).last).to_contain_text(expected, timeout=REPLY_TIMEOUT)
        return bot_messages(page).nth(bot_messages(page).count() - 1)

    def say(text: str, expected: str):
        box.fill(text)
        box.press("Enter")
        return newest(expected)

    say(f"DAFTAR#{NIK}#{NO_KK}", "Pendaftaran berhasil")
    kinds = say("Surat", "Layanan Surat")
    kinds.get_by_test_id("inline-button").filter(has_text="SKD").click()
    expect(bot_messages(page).last).to_contain_text("(1/2)", timeout=REPLY_TIMEOUT)
    say("Kantor Kecamatan", "(2/2)")
    summary = say("Persyaratan Beasiswa", "Periksa permohonan")
    summary.get_by_test_id("inline-button").filter(has_text="Kirim").click()
    expect(bot_messages(page).last).to_contain_text("berhasil diajukan", timeout=REPLY_TIMEOUT)
    expect(summary.get_by_test_id("inline-button")).to_have_count(0)  # spent: taken off

    # A letter button while that request is under review: refused at once, no questions
    kinds.get_by_test_id("inline-button").filter(has_text="SKU – Usaha").click()
    refusal = newest("masih memiliki permohonan")
    expect(refusal).to_contain_text("Sedang Diperiksa")
    expect(refusal.get_by_test_id("inline-button")).to_have_text(
        ["Lihat status", "Batalkan permohonan 1"])

    ask = say("Batal", "Permohonan yang dibatalkan tidak dapat dilanjutkan")
    expect(ask.get_by_test_id("inline-button")).to_have_text(
        ["Ya, batalkan permohonan 1", "Tidak, lanjutkan"])
    page.screenshot(path=str(tmp_path / "cancel-confirmation.png"), full_page=True)
    ask.get_by_test_id("inline-button").filter(has_text="Ya, batalkan").click()
    expect(bot_messages(page).last).to_contain_text("telah dibatalkan", timeout=REPLY_TIMEOUT)
    expect(ask.get_by_test_id("inline-button")).to_have_count(0)

    # An old Kirim, its form cancelled by typing Batal: a toast says what happened
    kinds.get_by_test_id("inline-button").filter(has_text="SKD").click()
    expect(bot_messages(page).last).to_contain_text("(1/2)", timeout=REPLY_TIMEOUT)
    say("Kantor Kecamatan", "(2/2)")
    old = say("Persyaratan Beasiswa", "Periksa permohonan")
    say("Batal", "Pengisian permohonan dibatalkan")
    old.get_by_test_id("inline-button").filter(has_text="Kirim").click()
    expect(page.get_by_test_id("toast")).to_have_text(
        "Pengisian ini sudah selesai. Permohonan terakhir Anda: nomor 1, Surat Keterangan "
        "Domisili, Dibatalkan.", timeout=REPLY_TIMEOUT)
    expect(old.get_by_test_id("inline-button")).to_have_count(0, timeout=REPLY_TIMEOUT)
    page.screenshot(path=str(tmp_path / "spent-button.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
    assert all(call["status"] == 200 for call in system.calls())


def test_a_resident_writes_a_complaint_and_the_linked_operator_is_alerted(
        browser_context, system, sqlite_url):
    engine = make_engine(sqlite_url)
    create_staff(engine, "operator", "Ani Rahmawati", "operator", "operator-pass")
    with make_session_factory(engine).begin() as session:
        staff = session.scalar(select(Staff).where(Staff.username == "operator"))
        code = staff_link.new_code(session, staff, utcnow(), 15)
    engine.dispose()
    operator_chat = requests.post(f"{system.sim}/sim/users", timeout=10, json={
        "first_name": "Ani", "last_name": "Rahmawati"}).json()["id"]  # a persona of the page
    assert "Ani Rahmawati" in system.ask(operator_chat, f"STAF {code}")["text"]

    page = browser_context.new_page()
    page.goto(system.sim)
    close_panel(page)
    page.get_by_test_id("start-button").click()
    expect(bot_messages(page).last).to_contain_text("belum terhubung", timeout=REPLY_TIMEOUT)
    box = page.get_by_test_id("message-input")

    def say(text: str, expected: str):
        box.fill(text)
        box.press("Enter")
        expect(bot_messages(page).last).to_contain_text(expected, timeout=REPLY_TIMEOUT)
        return bot_messages(page).nth(bot_messages(page).count() - 1)

    def tap(message, label: str, expected: str):
        message.get_by_test_id("inline-button").filter(has_text=label).click()
        expect(bot_messages(page).last).to_contain_text(expected, timeout=REPLY_TIMEOUT)
        return bot_messages(page).nth(bot_messages(page).count() - 1)

    say(f"DAFTAR#{NIK}#{NO_KK}", "Pendaftaran berhasil")
    page.get_by_test_id("reply-keyboard").get_by_test_id("reply-keyboard-button").filter(
        has_text="Aduan").click()
    expect(bot_messages(page).last).to_contain_text("(1/4)", timeout=REPLY_TIMEOUT)
    asked = say("Lampu jalan di depan masjid RT 02 mati sejak seminggu, jalan gelap sekali.",
                "(2/4)")
    tap(asked, "Lewati", "(3/4)")
    keyboard = page.get_by_test_id("reply-keyboard").get_by_test_id("reply-keyboard-button")
    expect(keyboard).to_have_text(["📍 Kirim lokasi", "Lewati", "Batal"])
    shoot(page, "system-complaint-location")
    keyboard.filter(has_text="Lewati").click()
    expect(bot_messages(page).last).to_contain_text("(4/4)", timeout=REPLY_TIMEOUT)
    asked = bot_messages(page).nth(bot_messages(page).count() - 1)
    summary = tap(asked, "Publik", "Kirim aduan")
    shoot(page, "system-complaint-summary")
    filed = tap(summary, "Kirim aduan", "A-1")
    expect(filed).to_contain_text("publik")
    shoot(page, "system-complaint-filed")
    # The menu keyboard came back with it and the window is a phone's: the answer stays in view
    page.set_viewport_size(PHONE)
    expect(filed).to_be_in_viewport()

    office = browser_context.new_page()
    office.goto(f"{system.sim}?user={operator_chat}")
    close_panel(office)
    alert = bot_messages(office).filter(has_text="A-1")
    expect(alert).to_contain_text(NAME, timeout=REPLY_TIMEOUT)
    expect(alert).not_to_contain_text(NIK)
    expect(alert.get_by_test_id("inline-button")).to_have_text("Buka di konsol")
    shoot(office, "system-staff-alert")
    assert all(call["status"] == 200 for call in system.calls())
