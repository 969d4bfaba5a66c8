"""The chat page against the whole system: simulator -> gateway -> RabbitMQ -> workers ->
notifier -> simulator, every part a process, on the seeded demo village."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from libs.siades.demo import DEMO_RESIDENTS
from tests.support.system import System

pytestmark = pytest.mark.integration

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
    expect(keyboard).to_have_text(["Biodata", "Keluarga", "Surat", "PKH", "BPNT", "KIS"])
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
