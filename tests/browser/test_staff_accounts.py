"""The staff console's accounts and security pages in Debian's Chromium, as the Kepala Desa and
a clerk use them: a guessed password locks the login, an idle session ends with a reason, the
Kepala Desa creates, resets and disables an account whose owner must then choose a password,
and the audit log names everyone.

With SCREENSHOT_DIR set, each page is saved there at a laptop's and a phone's width.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from libs.config import Settings
from libs.siades.cli import create_staff
from services.letter_service.console import create_console
from tests.support.screens import LAPTOP, shoot
from tools.telegram_sim.testing import serve

PASSWORD = "rahasia-desa-123"


@contextmanager
def served(sqlite_url, session_factory, **settings) -> Iterator[str]:
    """The console on a loopback port with an operator (ani) and the Kepala Desa (kades)."""
    engine = session_factory.kw["bind"]
    create_staff(engine, "ani", "Ani Rahmawati", "operator", PASSWORD)
    create_staff(engine, "kades", "Suparman", "kepala_desa", PASSWORD)
    console = create_console(Settings(database_url=sqlite_url, console_secret_key="browser",
                                      **settings), session_factory)
    with serve(console) as url:
        yield url


@pytest.fixture
def console(sqlite_url, session_factory):
    with served(sqlite_url, session_factory, console_login_max_failures=3) as url:
        yield url




def log_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()


def test_guessing_the_heads_password_locks_the_login(browser_context, console):
    page = browser_context.new_page()
    for _ in range(2):
        log_in(page, console, "kades", "tebak-tebak-123")
        expect(page.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    log_in(page, console, "kades", "tebak-tebak-123")
    expect(page.get_by_role("alert")).to_contain_text("Terlalu banyak percobaan masuk")
    log_in(page, console, "kades")  # the right password is not even checked now
    expect(page.get_by_role("alert")).to_contain_text("coba lagi dalam 15 menit")
    expect(page.get_by_label("Nama pengguna")).to_have_value("kades")
    shoot(page, "login-locked")

    # The clerk reads it in the audit log: who was tried, from where, and what happened.
    log_in(page, console, "ani")
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_test_id("audit-summary")).to_have_text(
        "Catatan 1–5 dari 5, terbaru lebih dulu.")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="Gagal masuk")).to_have_count(4)
    expect(rows.filter(has_text="ditolak tanpa diperiksa")).to_have_count(1)
    expect(rows.filter(has_text="Gagal masuk").first).to_contain_text("kades")
    expect(rows.filter(has_text="Masuk").first).to_contain_text("Ani Rahmawati (ani)")
    page.get_by_label("Tindakan").select_option(label="Gagal masuk")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_test_id("audit-summary")).to_contain_text("Catatan 1–4 dari 4")


def test_an_idle_session_ends_and_says_why(browser_context, sqlite_url, session_factory):
    with served(sqlite_url, session_factory, console_idle_minutes=0.04) as url:  # 2.4 s
        page = browser_context.new_page()
        log_in(page, url, "ani")
        expect(page.get_by_role("link", name="Audit")).to_be_visible()
        page.wait_for_timeout(3000)
        page.get_by_role("link", name="Audit").click()
        expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text(
            "Anda otomatis keluar karena tidak ada aktivitas selama 0.04 menit")
        shoot(page, "login-idle")
        # Logging in again goes back to the page that was asked for.
        page.get_by_label("Nama pengguna").fill("ani")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_role("heading", name="Catatan audit")).to_be_visible()


def test_the_head_creates_resets_and_disables_an_account(browser_context, console):
    head = browser_context.new_page()
    log_in(head, console, "kades")
    head.get_by_role("link", name="Staf").click()
    expect(head.get_by_role("heading", name="Akun staf")).to_be_visible()
    expect(head.get_by_test_id("staff-kades")).to_contain_text("Anda")
    expect(head.get_by_role("button", name="Nonaktifkan kades")).to_have_count(0)

    # A new clerk, whose initial password is refused first for being her username.
    head.get_by_label("Nama lengkap").fill("Siti Aminah")
    head.get_by_label("Nama pengguna").fill("siti")
    head.get_by_label("Peran").select_option(label="Operator")
    head.get_by_label("Kata sandi awal").fill("siti")
    head.get_by_role("button", name="Buat akun").click()
    expect(head.get_by_label("Nama lengkap")).to_have_value("Siti Aminah")  # not sent: too short
    head.get_by_label("Kata sandi awal").fill("sitisiti")
    head.get_by_label("Nama pengguna").fill("sitisiti")
    head.get_by_role("button", name="Buat akun").click()
    expect(head.get_by_role("alert")).to_have_text(
        "Kata sandi tidak boleh sama dengan nama pengguna.")
    head.get_by_label("Nama pengguna").fill("siti")
    head.get_by_label("Kata sandi awal").fill("awal-siti-1")
    head.get_by_role("button", name="Buat akun").click()
    expect(head.get_by_role("status")).to_contain_text("Akun siti (Siti Aminah) dibuat")
    expect(head.get_by_test_id("staff-siti")).to_contain_text("harus mengganti kata sandi")
    shoot(head, "staff-list")

    # Siti's first login leads to choosing her own password before anything else.
    clerk = browser_context.browser.new_context(viewport=LAPTOP).new_page()  # her own PC
    log_in(clerk, console, "siti", "awal-siti-1")
    expect(clerk.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    expect(clerk.get_by_test_id("must-change")).to_be_visible()
    shoot(clerk, "password-forced")
    clerk.goto(f"{console}/audit")
    expect(clerk.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    choose_password(clerk, "awal-siti-1", "pilihan-siti-22")
    expect(clerk.get_by_role("status")).to_have_text("Kata sandi Anda sudah diganti.")
    expect(clerk.get_by_role("link", name="Staf")).to_have_count(0)  # an operator's menu

    # She forgets it: the Kepala Desa resets it, reads the temporary password out to her.
    head.get_by_role("button", name="Atur ulang kata sandi siti").click()
    expect(head.get_by_role("heading", name="Kata sandi sementara")).to_be_visible()
    temporary = head.get_by_test_id("temporary-password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary)
    shoot(head, "staff-reset")
    clerk.reload()
    expect(clerk.get_by_role("status")).to_contain_text("Kata sandi akun Anda telah diganti")
    log_in(clerk, console, "siti", temporary)
    choose_password(clerk, temporary, "baru-lagi-333")
    expect(clerk.get_by_role("status")).to_have_text("Kata sandi Anda sudah diganti.")

    # She leaves the office: disabled, her session ends and she cannot log in.
    head.get_by_role("link", name="Kembali ke daftar staf").click()
    head.get_by_role("button", name="Nonaktifkan siti").click()
    expect(head.get_by_role("status")).to_have_text("Akun siti (Siti Aminah) dinonaktifkan.")
    expect(head.get_by_test_id("staff-siti")).to_contain_text("Nonaktif")
    clerk.reload()
    expect(clerk.get_by_role("heading", name="Masuk")).to_be_visible()
    log_in(clerk, console, "siti", "baru-lagi-333")
    expect(clerk.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    clerk.context.close()

    # The audit log tells it all with names.
    head.get_by_role("link", name="Audit").click()
    rows = head.get_by_role("row")
    for action in ("Membuat akun staf", "Mengatur ulang kata sandi staf",
                   "Menonaktifkan akun staf"):
        expect(rows.filter(has_text=action)).to_contain_text("Suparman (kades)")
        expect(rows.filter(has_text=action)).to_contain_text("Siti Aminah (siti)")
    expect(rows.filter(has_text="Mengganti kata sandi sendiri").first).to_contain_text(
        "Siti Aminah (siti)")
    shoot(head, "audit")


def choose_password(page: Page, current: str, new: str) -> None:
    page.get_by_label("Kata sandi saat ini").fill(current)
    page.get_by_label("Kata sandi baru", exact=True).fill(new)
    page.get_by_label("Ulangi kata sandi baru").fill(new)
    page.get_by_role("button", name="Simpan kata sandi baru").click()


def test_a_clerk_changes_her_own_password(browser_context, console):
    page = browser_context.new_page()
    log_in(page, console, "ani")
    page.get_by_role("link", name="Kata sandi").click()
    choose_password(page, "salah-ingat-1", "baru-sekali-1")
    expect(page.get_by_role("alert")).to_have_text("Kata sandi saat ini salah.")
    shoot(page, "password")
    choose_password(page, PASSWORD, "baru-sekali-1")
    expect(page.get_by_role("status")).to_have_text("Kata sandi Anda sudah diganti.")
    log_out(page)
    log_in(page, console, "ani", "baru-sekali-1")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
