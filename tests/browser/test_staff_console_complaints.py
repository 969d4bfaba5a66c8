"""Complaints in the console, in Debian's Chromium: the clerk finds a complaint under Aduan,
sees its photo and location, answers it and closes it (OpenSID's child row written, the reply
waiting for the watcher), reads one from the village website; links her own Telegram in Akun
Saya; the Kepala Desa sees the links on the staff page and the figures on the dashboard.
Screenshots of each page, at a laptop's and a phone's width, go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from libs.siades.bot_models import FILE_STORED, ComplaintReply, ReceivedFile
from libs.siades.coltypes import utcnow
from libs.siades.complaints import Pengaduan
from libs.siades.db import session_scope
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.models import Resident
from services.letter_service import staff_link
from services.letter_service.complaints import records
from tests.browser.test_staff_console import HEAD_NAME, HEAD_NIK, console, log_in
from tests.support.images import road_photo
from tests.support.screens import shoot

__all__ = ["console"]  # the fixture, shared with the first console test
WIFE_NIK, _WIFE_KK, WIFE_NAME = DEMO_RESIDENTS["wife"]
CHAT = 6101


def add_complaints(session_factory) -> dict[str, int]:
    """A public complaint with a photo and a location (a day and a half unanswered), a private
    one, and one sent through the village website's own form."""
    now = utcnow()
    photo = road_photo()
    with session_scope(session_factory) as session:
        head = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        stored = ReceivedFile(chat_id=CHAT, file_id="AgACAgUAAxk", file_unique_id="AQADx",
                              state=FILE_STORED, mime_type="image/png", content=photo,
                              size=len(photo), stored_at=now)
        session.add(stored)
        session.flush()
        public = records.file(
            session, head, CHAT, title="Jalan berlubang di depan balai desa",
            body="Lubangnya besar dan dalam, sudah dua motor jatuh.\nMohon segera ditambal.",
            public=True, photo_id=stored.id, latitude=-7.551234, longitude=112.233456,
            local_now=now + timedelta(hours=7 - 36), utc_now=now - timedelta(hours=36))
        private = records.file(
            session, head, CHAT, title="Tetangga membakar sampah tiap malam",
            body="Asapnya masuk rumah, anak saya sesak napas.", public=False, photo_id=None,
            latitude=None, longitude=None, local_now=now + timedelta(hours=7 - 3),
            utc_now=now - timedelta(hours=3))
        website = Pengaduan(nik=WIFE_NIK, name=WIFE_NAME, email="siti@example.org",
                            title="Lampu jalan mati", body="Lampu di pertigaan mati seminggu.",
                            status=1, created_at=now + timedelta(hours=7 - 5),
                            updated_at=now + timedelta(hours=7 - 5))
        session.add(website)
        session.flush()
        return {"public": public.id, "private": private.id, "website": website.id,
                "pengaduan": public.pengaduan_id}


def test_the_clerk_answers_a_complaint_with_a_photo(browser_context, console, session_factory):
    ids = add_complaints(session_factory)
    page = browser_context.new_page()
    log_in(page, console, "ani")

    # Aduan: the waiting ones, the late one marked, the website's labelled.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Aduan").click()
    expect(page.get_by_role("heading", name="Aduan warga")).to_be_visible()
    expect(page.locator('.tabs a[aria-current="page"]')).to_contain_text("Menunggu Diproses")
    expect(page.locator('.tabs a[aria-current="page"] .count')).to_have_text("3")
    late = page.get_by_test_id(f"complaint-telegram-{ids['public']}")
    expect(late).to_contain_text("Terlambat")
    expect(late).to_contain_text("Publik")
    expect(page.get_by_test_id(f"complaint-telegram-{ids['private']}")).to_contain_text("Privat")
    expect(page.get_by_test_id(f"complaint-situs-{ids['website']}")).to_contain_text(
        "dari situs desa")
    shoot(page, "complaints")

    # The complaint's page: the resident (NIK masked), the photo, the location.
    page.get_by_role("link", name=f"#{ids['public']}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Aduan #{ids['public']}:")).to_be_visible()
    expect(page.get_by_test_id("nik")).to_have_text("3517**********01")
    expect(page.get_by_text(HEAD_NAME)).to_be_visible()
    expect(page.get_by_test_id("visibility")).to_contain_text(
        f"admin OpenSID sebagai pengaduan #{ids['pengaduan']}")
    photo = page.get_by_role("img", name=f"Foto kiriman pengadu untuk aduan #{ids['public']}")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 240
    expect(page.get_by_role("link", name="Buka di OpenStreetMap")).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=-7.551234&mlon=112.233456"
                "#map=18/-7.551234/112.233456")
    shoot(page, "complaint-with-photo")

    # An empty answer is stopped by the form; then she answers and closes it.
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_text("Belum ada jawaban.")).to_be_visible()
    page.get_by_label("Jawaban untuk pengadu").fill(
        "Terima kasih. Lubang sudah ditambal petugas pagi ini.")
    page.get_by_label("Status aduan").select_option(label="Selesai Diproses")
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Jawaban untuk aduan #{ids['public']} disimpan dengan status Selesai Diproses")
    expect(page.get_by_test_id("status")).to_contain_text("Selesai Diproses")
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    expect(page.get_by_test_id("replies")).to_contain_text("Ani Operator")
    expect(page.get_by_test_id("replies")).to_contain_text("Lubang sudah ditambal")
    shoot(page, "complaint-answered")
    with session_scope(session_factory) as session:
        reply = session.scalars(select(ComplaintReply)).one()
        assert (reply.author, reply.status, reply.told_at) == ("Ani Operator", 3, None)
        child = session.get(Pengaduan, reply.pengaduan_id)
        assert (child.parent_id, child.status) == (ids["pengaduan"], 3)

    # The website's complaint: read here, answered in OpenSID's admin.
    page.goto(f"{console}/aduan")
    page.get_by_role("link", name=f"OpenSID #{ids['website']}").click()
    expect(page.get_by_test_id("visibility")).to_contain_text("Jawab di admin OpenSID")
    expect(page.get_by_role("button", name="Kirim jawaban")).to_have_count(0)
    shoot(page, "complaint-website")

    # The dashboard: answered 36 hours after it came, by her, and closed.
    page.get_by_role("link", name="Dasbor").click()
    overdue = page.get_by_test_id("complaint-overdue")
    expect(overdue.get_by_role("row", name="Dijawab setelah lewat 24 jam")).to_contain_text("1")
    expect(overdue.get_by_role("row", name="Belum dijawab")).to_contain_text("0")
    expect(page.get_by_test_id("complaint-first").get_by_role("row", name="Ani Operator")) \
        .to_contain_text("36,0")
    shoot(page, "dashboard-complaints")


def test_the_clerk_links_her_telegram_and_the_head_sees_it(browser_context, console,
                                                            session_factory):
    add_complaints(session_factory)
    page = browser_context.new_page()
    log_in(page, console, "ani")
    page.get_by_role("link", name="Akun Saya").click()
    expect(page.get_by_test_id("telegram-link")).to_contain_text("Belum terhubung")
    page.get_by_role("button", name="Hubungkan Telegram").click()
    first = page.get_by_test_id("code").inner_text()
    assert first.startswith("STAF ") and len(first) == len("STAF ") + 8
    expect(page.get_by_test_id("expires")).to_be_visible()
    shoot(page, "account-link-code")
    page.get_by_role("button", name="Buat kode baru").click()
    expect(page.get_by_test_id("code")).not_to_have_text(first)

    # She sends it to the bot (redeemed here as the bot's handler does); the page says so.
    with session_scope(session_factory) as session:
        code = page.get_by_test_id("code").inner_text().split()[1]
        assert staff_link.redeem(session, code, CHAT, utcnow()).username == "ani"
    page.get_by_role("link", name="Akun Saya").click()
    expect(page.get_by_test_id("telegram-link")).to_contain_text("Terhubung")
    shoot(page, "account-linked")
    page.get_by_role("button", name="Keluar").click()

    log_in(page, console, "kades")
    page.get_by_role("link", name="Staf").click()
    expect(page.get_by_test_id("telegram-ani")).to_contain_text("Terhubung")
    expect(page.get_by_test_id("telegram-kades")).to_contain_text("Belum")
    shoot(page, "staff-telegram")
    page.get_by_role("button", name="Putuskan Telegram ani").click()
    expect(page.get_by_role("status")).to_contain_text("Telegram akun ani (Ani Operator) diputus")
    expect(page.get_by_test_id("telegram-ani")).to_contain_text("Belum")

