"""The staff console's accounts, sessions and audit log, through Flask's test client: login
throttling, idle and old sessions, the Kepala Desa's staff pages, one's own password, and the
audit page with names."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from werkzeug.security import check_password_hash

from libs.config import Settings
from libs.siades.bot_models import AuditEntry, LoginAttempt, Staff
from libs.siades.cli import create_staff
from libs.siades.coltypes import utcnow
from libs.siades.db import session_scope
from services.letter_service.console import create_console
from services.letter_service.console.auth import IDLE, LOGIN_FAILED, PASSWORD_CHANGED, TOO_OLD
from services.letter_service.console.staff import Refused, check_may_disable

PASSWORD = "rahasia-desa-123"
LOCKED_TEXT = "Terlalu banyak percobaan masuk yang gagal"


@pytest.fixture
def settings(sqlite_url) -> Settings:
    return Settings(database_url=sqlite_url, console_secret_key="test-secret",
                    console_login_max_failures=3, console_login_address_max_failures=6)


@pytest.fixture
def staff(session_factory):
    """An operator (`ani`) and the Kepala Desa (`kades`)."""
    engine = session_factory.kw["bind"]
    create_staff(engine, "ani", "Ani Operator", "operator", PASSWORD)
    create_staff(engine, "kades", "Suparman", "kepala_desa", PASSWORD)


@pytest.fixture
def client(settings, session_factory, staff):
    return create_console(settings, session_factory).test_client()


def csrf_token(client, path: str = "/masuk") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str, password: str = PASSWORD, **environ):
    return client.post("/masuk", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)},
                       environ_base=environ)


def post(client, path: str, page: str, **form):
    """Submit a form of `page` to `path`, as the browser does."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **form})


def audit_of(session_factory, action: str) -> list[dict]:
    with session_scope(session_factory) as session:
        return [{"actor": entry.actor, **json.loads(entry.detail)} for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def account(session_factory, username: str) -> Staff:
    with session_scope(session_factory) as session:
        member = session.scalars(select(Staff).where(Staff.username == username)).one()
        session.expunge(member)
        return member


def login_counts(client) -> dict[str, float]:
    families = text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))
    return {s.labels["outcome"]: s.value for family in families for s in family.samples
            if s.name == "siades_console_logins_total"}


def age_attempts(session_factory, by: timedelta) -> None:
    """Move every login attempt `by` into the past."""
    with session_scope(session_factory) as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at -= by


# --- throttling --------------------------------------------------------------------------------


def test_failures_lock_the_account_even_against_the_right_password(client, session_factory):
    before = login_counts(client)
    for _ in range(2):
        response = login(client, "kades", "tebakan-salah")
        assert response.status_code == 401
        assert LOGIN_FAILED in response.get_data(as_text=True)
    third = login(client, "kades", "tebakan-salah")  # the limit: said at once
    assert third.status_code == 429
    assert LOCKED_TEXT in third.get_data(as_text=True)
    response = login(client, "kades")  # the right password, unchecked
    assert response.status_code == 429
    assert "coba lagi dalam 15 menit" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60 + 1
    assert client.get("/permohonan").status_code == 302

    after = login_counts(client)
    assert {k: after[k] - before[k] for k in after} == {"ok": 0, "failed": 3, "locked": 1}
    failed = audit_of(session_factory, "login_failed")
    assert [entry["cause"] for entry in failed] == ["wrong_password"] * 3 + ["locked"]
    assert failed[0] == {"actor": "-", "username": "kades", "address": "127.0.0.1",
                         "cause": "wrong_password"}

    # Once the failures have left the window, the right password works again.
    age_attempts(session_factory, timedelta(minutes=16))
    assert login(client, "kades").status_code == 302


def test_the_lock_reads_the_same_for_a_name_with_no_account(client):
    answers = []
    for username in ("kades", "tidak-ada"):
        for _ in range(3):
            login(client, username, "tebakan-salah")
        response = login(client, username)
        page = re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))
        answers.append((response.status_code, page.replace(username, "NAME")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429


def test_a_success_clears_the_account_count(client):
    for _ in range(2):
        login(client, "ani", "salah-lagi")
    assert login(client, "ani").status_code == 302
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    for _ in range(2):
        assert login(client, "ani", "salah-lagi").status_code == 401
    assert login(client, "ani").status_code == 302


def test_one_address_trying_many_names_is_locked(client):
    for number in range(6):
        login(client, f"nama{number}", "tebakan-salah")
    response = login(client, "ani")
    assert response.status_code == 429
    # Another address is not: the lock is this address's, not the account's.
    assert login(client, "ani", REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
        settings, session_factory, staff):
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "REMOTE_ADDR": "10.0.0.1"}
    for proxies, address in ((0, "10.0.0.1"), (1, "203.0.113.7")):
        client = create_console(replace(settings, console_trusted_proxies=proxies),
                                session_factory).test_client()
        login(client, "ani", "salah-sekali", **forwarded)
        assert audit_of(session_factory, "login_failed")[-1]["address"] == address


# --- sessions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key, age, why", [
    ("seen", 31 * 60, IDLE.format(minutes=30)),
    ("since", 10 * 3600 + 60, TOO_OLD),
])
def test_an_idle_or_old_session_ends_and_the_login_page_says_why(client, key, age, why):
    login(client, "ani")
    assert client.get("/permohonan").status_code == 200
    with client.session_transaction() as session:
        session[key] = int(time.time()) - age
    response = client.get("/permohonan", follow_redirects=True)
    assert response.request.path == "/masuk"
    assert why in response.get_data(as_text=True)


def test_a_request_keeps_the_session_alive(client):
    login(client, "ani")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 29 * 60
    assert client.get("/permohonan").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen"] < 5


# --- the Kepala Desa's staff pages --------------------------------------------------------------


def test_only_the_head_manages_staff_but_everyone_changes_their_password(client):
    login(client, "ani")
    assert client.get("/staf").status_code == 403
    assert post(client, "/staf", "/permohonan", username="x").status_code == 403
    page = client.get("/permohonan").get_data(as_text=True)
    assert 'href="/staf"' not in page
    assert 'href="/akun/kata-sandi"' in page
    assert client.get("/akun/kata-sandi").status_code == 200


def test_the_head_creates_an_account_that_must_choose_its_password(client, session_factory):
    login(client, "kades")
    response = post(client, "/staf", "/staf", username="siti", full_name="Siti Aminah",
                    role="operator", password="awal-12345")
    assert response.status_code == 302
    page = client.get("/staf").get_data(as_text=True)
    assert "Siti Aminah" in page and "harus mengganti kata sandi" in page
    siti = account(session_factory, "siti")
    assert siti.must_change_password and siti.active and siti.role == "operator"
    assert siti.password_hash.startswith("scrypt:")
    [created] = audit_of(session_factory, "staff_created")
    assert created["actor"] == "kades" and created["staff_id"] == siti.id

    # Siti's first login: every page leads to the password form until she has chosen one.
    siti_client = client.application.test_client()
    assert login(siti_client, "siti", "awal-12345").status_code == 302
    for path in ("/permohonan", "/audit", "/dasbor"):
        response = siti_client.get(path)
        assert response.headers["Location"] == "/akun/kata-sandi", path
    assert "Pilih kata sandi baru" in siti_client.get("/akun/kata-sandi").get_data(as_text=True)
    response = post(siti_client, "/akun/kata-sandi", "/akun/kata-sandi", password="awal-12345",
                    new_password="pilihan-siti-1", new_password_again="pilihan-siti-1")
    assert response.status_code == 302
    assert siti_client.get("/permohonan").status_code == 200
    assert not account(session_factory, "siti").must_change_password
    assert audit_of(session_factory, "password_changed")[0]["actor"] == "siti"


@pytest.mark.parametrize("form, why", [
    ({"username": "ani"}, "sudah dipakai"),
    ({"username": "Bad Name"}, "Nama pengguna 3-32 karakter"),
    ({"password": "pendek"}, "minimal 8 karakter"),
    ({"password": "siti.aminah"}, "tidak boleh sama dengan nama pengguna"),
    ({"full_name": ""}, "Nama lengkap wajib diisi"),
    ({"role": "admin"}, "Pilih peran"),
])
def test_creating_an_account_follows_the_rules(client, session_factory, form, why):
    login(client, "kades")
    data = {"username": "siti.aminah", "full_name": "Siti Aminah", "role": "operator",
            "password": "awal-12345", **form}
    response = post(client, "/staf", "/staf", **data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert why in page
    assert 'value="Siti Aminah"' in page or not data["full_name"]  # the form keeps its values
    assert audit_of(session_factory, "staff_created") == []


def test_disabling_ends_the_account_and_its_sessions_but_never_oneself(
        client, session_factory):
    ani_client = client.application.test_client()
    login(ani_client, "ani")
    login(client, "kades")
    ani, kades = account(session_factory, "ani"), account(session_factory, "kades")

    response = post(client, f"/staf/{kades.id}/nonaktifkan", "/staf")
    assert "akun Anda sendiri" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert account(session_factory, "kades").active
    assert post(client, f"/staf/{ani.id}/nonaktifkan", "/staf").status_code == 302
    assert not account(session_factory, "ani").active
    assert ani_client.get("/permohonan").status_code == 302  # her session has ended
    assert login(ani_client, "ani").status_code == 401

    assert post(client, f"/staf/{ani.id}/aktifkan", "/staf").status_code == 302
    assert login(ani_client, "ani").status_code == 302
    assert [e["staff_id"] for e in audit_of(session_factory, "staff_disabled")] == [ani.id]
    assert [e["staff_id"] for e in audit_of(session_factory, "staff_enabled")] == [ani.id]


def test_two_heads_disabling_each_other_leave_one(client, session_factory):
    create_staff(session_factory.kw["bind"], "wakil", "Wakil Kades", "kepala_desa", PASSWORD)
    wakil_client = client.application.test_client()
    login(wakil_client, "wakil")
    login(client, "kades")
    kades, wakil = account(session_factory, "kades"), account(session_factory, "wakil")
    page = csrf_token(wakil_client, "/staf")  # wakil has the page open...
    assert post(client, f"/staf/{wakil.id}/nonaktifkan", "/staf").status_code == 302
    response = wakil_client.post(f"/staf/{kades.id}/nonaktifkan", data={"csrf_token": page})
    assert response.headers["Location"].startswith("/masuk")  # ...but no longer a session
    assert account(session_factory, "kades").active


def test_the_last_active_head_is_never_disabled(session_factory, staff):
    def check() -> None:
        with session_scope(session_factory) as session:
            kades, ani = (session.scalars(select(Staff).where(Staff.username == name)).one()
                          for name in ("kades", "ani"))
            check_may_disable(session, kades, by=ani)

    with pytest.raises(Refused, match="satu-satunya akun Kepala Desa"):
        check()
    create_staff(session_factory.kw["bind"], "wakil", "Wakil Kades", "kepala_desa", PASSWORD)
    check()  # two heads: either may go


def test_a_reset_password_is_shown_once_ends_sessions_and_must_be_changed(
        client, session_factory):
    ani_client = client.application.test_client()
    login(ani_client, "ani")
    login(client, "kades")
    ani = account(session_factory, "ani")
    response = post(client, f"/staf/{ani.id}/atur-ulang-sandi", "/staf")
    assert response.status_code == 200
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<',
                          response.get_data(as_text=True)).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary)
    assert temporary not in client.get("/staf").get_data(as_text=True)
    assert account(session_factory, "ani").must_change_password
    assert audit_of(session_factory, "staff_password_reset")[0]["staff_id"] == ani.id

    response = ani_client.get("/permohonan", follow_redirects=True)
    assert PASSWORD_CHANGED in response.get_data(as_text=True)  # her old session has ended
    assert login(ani_client, "ani").status_code == 401
    assert login(ani_client, "ani", temporary).status_code == 302
    assert ani_client.get("/permohonan").headers["Location"] == "/akun/kata-sandi"


@pytest.mark.parametrize("form, why", [
    ({"password": "bukan-ini-123"}, "Kata sandi saat ini salah"),
    ({"new_password": "pendek", "new_password_again": "pendek"}, "minimal 8 karakter"),
    ({"new_password_again": "lain-sekali-1"}, "berbeda"),
    ({"new_password": PASSWORD, "new_password_again": PASSWORD}, "harus berbeda dari"),
    ({"new_password": "ANI", "new_password_again": "ANI"}, "minimal 8"),
])
def test_changing_ones_password_checks_the_current_one_and_the_rules(
        client, session_factory, form, why):
    login(client, "ani")
    data = {"password": PASSWORD, "new_password": "baru-sekali-1",
            "new_password_again": "baru-sekali-1", **form}
    response = post(client, "/akun/kata-sandi", "/akun/kata-sandi", **data)
    assert response.status_code == 400
    assert why in response.get_data(as_text=True)
    assert check_password_hash(account(session_factory, "ani").password_hash, PASSWORD)


def test_changing_ones_password_keeps_this_session(client, session_factory):
    login(client, "ani")
    response = client.post("/akun/kata-sandi", follow_redirects=True, data={
        "csrf_token": csrf_token(client, "/akun/kata-sandi"), "password": PASSWORD,
        "new_password": "baru-sekali-1", "new_password_again": "baru-sekali-1"})
    assert response.status_code == 200
    assert "Kata sandi Anda sudah diganti" in response.get_data(as_text=True)
    assert client.get("/permohonan").status_code == 200
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    assert login(client, "ani", "baru-sekali-1").status_code == 302


# --- the audit page -----------------------------------------------------------------------------


def test_the_audit_page_names_staff_links_requests_and_shows_failed_logins(
        client, session_factory):
    login(client, "ani", "tebakan-salah")
    login(client, "ani")
    with session_scope(session_factory) as session:
        session.add(AuditEntry(at=utcnow(), actor="ani", action="tolak", detail=json.dumps(
            {"request_id": 7, "from_status": 1, "to_status": 5, "reason": "Foto KTP buram"})))
    page = client.get("/audit").get_data(as_text=True)
    assert "Catatan 1–3 dari 3" in page
    assert "Ani Operator" in page and "(ani)" in page
    assert "staf 1" not in page
    assert '<a href="/permohonan/7">Permohonan #7</a>' in page
    assert "Sedang Diperiksa → Dibatalkan" in page and "Foto KTP buram" in page
    assert "Gagal masuk" in page and "nama pengguna atau kata sandi salah" in page
    assert "Belum masuk" in page and "127.0.0.1" in page


def test_the_audit_page_pages_and_filters(client, session_factory):
    with session_scope(session_factory) as session:
        for number in range(120):
            session.add(AuditEntry(at=utcnow(), actor="kades", action="periksa",
                                   detail=json.dumps({"request_id": number + 1})))
    login(client, "ani")  # one more entry: a login
    page = client.get("/audit").get_data(as_text=True)
    assert "Catatan 1–50 dari 121" in page and "Halaman 1 dari 3" in page
    assert page.count("<tr>") == 51  # the head's and 50 entries
    last = client.get("/audit?halaman=3").get_data(as_text=True)
    assert "Catatan 101–121 dari 121" in last and "Permohonan #1<" in last
    only = client.get("/audit?tindakan=login").get_data(as_text=True)
    assert "Catatan 1–1 dari 1" in only and "Permohonan #" not in only
    assert client.get("/audit?halaman=99").status_code == 200  # the last page instead


def test_console_login_settings_come_from_the_environment():
    settings = Settings.from_env({
        "CONSOLE_LOGIN_WINDOW_MINUTES": "30", "CONSOLE_LOGIN_MAX_FAILURES": "4",
        "CONSOLE_LOGIN_ADDRESS_MAX_FAILURES": "50", "CONSOLE_IDLE_MINUTES": "20",
        "CONSOLE_TRUSTED_PROXIES": "1"})
    assert (settings.console_login_window_minutes, settings.console_login_max_failures,
            settings.console_login_address_max_failures, settings.console_idle_minutes,
            settings.console_trusted_proxies) == (30, 4, 50, 20.0, 1)
    defaults = Settings()
    assert (defaults.console_login_window_minutes, defaults.console_login_max_failures,
            defaults.console_idle_minutes, defaults.console_trusted_proxies) == (15, 5, 30, 0)
