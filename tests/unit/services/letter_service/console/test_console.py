"""The staff console, through Flask's test client on the seeded SQLite village."""

from __future__ import annotations

import json
import re
import statistics
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from libs.config import Settings
from libs.letter_tokens import generate_keypair
from libs.siades import cli
from libs.siades.bot_models import AuditEntry, LetterDocument, LetterTransition, Staff
from libs.siades.db import session_scope
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import format_ids
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from services.letter_service.console import create_console
from services.letter_service.console.auth import LOGIN_FAILED
from services.letter_service.console.stats import percentile

HEAD_NIK, HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]
PASSWORD = "rahasia-desa-123"
SKU_FIELDS = {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI", "kegunaan": "Pinjaman Modal"}


@pytest.fixture
def settings(sqlite_url, tmp_path) -> Settings:
    key_file, _public = generate_keypair(tmp_path / "keys")
    return Settings(database_url=sqlite_url, console_secret_key="test-secret",
                    letter_signing_key_file=str(key_file))


@pytest.fixture
def staff(sqlite_url):
    """An operator (`ani`) and the Kepala Desa (`kades`), made by the create-staff command."""
    for username, name, role in (("ani", "Ani Operator", "operator"),
                                 ("kades", "Suparman", "kepala_desa")):
        status = cli.main(["create-staff", "--username", username, "--full-name", name,
                           "--role", role],
                          environ={"DATABASE_URL": sqlite_url, "STAFF_PASSWORD": PASSWORD})
        assert status == 0


@pytest.fixture
def app(settings, session_factory, staff):
    return create_console(settings, session_factory)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/masuk") -> str:
    """The CSRF token of the form on a page."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/masuk", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def post_action(client, request_id: int, action: str, **form):
    """Press an action's button on a request's page."""
    token = csrf_token(client, f"/permohonan/{request_id}")
    return client.post(f"/permohonan/{request_id}/{action}",
                       data={"csrf_token": token, **form}, follow_redirects=True)


def add_request(session_factory, status: int = 1, kind: str = "SKU", fields=None,
                created_at: datetime = datetime(2026, 11, 2, 8, 0)) -> int:
    """A permohonan_surat row of the demo head of family, as OpenSID's self-service writes it."""
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        request = LetterRequest(
            resident_id=resident.id, format_id=format_ids(session)[kind],
            form=json.dumps(SKU_FIELDS if fields is None else fields), status=status,
            phone="081234567890", requirements="[]", created_at=created_at,
            updated_at=created_at)
        session.add(request)
        session.flush()
        return request.id


def request_row(session_factory, request_id: int) -> LetterRequest:
    with session_scope(session_factory) as session:
        return session.get(LetterRequest, request_id)


def audit_entries(session_factory, action: str | None = None) -> list[AuditEntry]:
    with session_scope(session_factory) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(session.scalars(query))


# --- logging in --------------------------------------------------------------------------------


def test_every_page_needs_login(client, session_factory):
    request_id = add_request(session_factory)
    for path in ("/", "/permohonan", f"/permohonan/{request_id}", "/dasbor", "/audit",
                 f"/permohonan/{request_id}/surat.pdf"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/masuk"), path


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(client):
    for username, password in (("ani", "salah-sekali"), ("siapa", PASSWORD)):
        response = login(client, username, password)
        assert response.status_code == 401
        page = response.get_data(as_text=True)
        assert LOGIN_FAILED in page
    assert client.get("/permohonan").status_code == 302


def test_login_sets_a_strict_cookie_and_follows_only_local_next(client):
    client.get("/masuk")
    response = client.post("/masuk?next=//evil.example/x", data={
        "username": "ani", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/permohonan"
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("console_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/permohonan").status_code == 200


def test_inactive_staff_cannot_log_in_nor_stay_logged_in(client, session_factory):
    assert login(client, "ani").status_code == 302
    with session_scope(session_factory) as session:
        session.execute(update(Staff).where(Staff.username == "ani").values(active=False))
    assert client.get("/permohonan").status_code == 302  # the session no longer counts
    response = login(client, "ani")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_logout(client):
    login(client, "ani")
    response = client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    assert response.status_code == 302
    assert client.get("/permohonan").status_code == 302


def test_a_post_without_csrf_token_is_refused(client, session_factory):
    request_id = add_request(session_factory)
    assert client.post("/masuk", data={"username": "ani", "password": PASSWORD}
                       ).status_code == 400
    login(client, "ani")
    response = client.post(f"/permohonan/{request_id}/periksa")
    assert response.status_code == 400
    assert request_row(session_factory, request_id).status == 1


def test_the_console_refuses_to_start_without_a_secret_key(sqlite_url):
    with pytest.raises(SystemExit, match="CONSOLE_SECRET_KEY"):
        create_console(Settings(database_url=sqlite_url))


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_shows_the_request_with_registry_data_and_labelled_fields(
        client, session_factory):
    request_id = add_request(session_factory)
    add_request(session_factory, status=3, kind="SKD",
                fields={"tujuan": "Kecamatan", "kegunaan": "Beasiswa"})
    login(client, "ani")
    page = client.get("/permohonan").get_data(as_text=True)
    assert f"#{request_id}" in page
    assert "Surat Keterangan Usaha" in page
    assert HEAD_NAME in page and HEAD_NIK in page and HEAD_KK in page  # staff see full NIK
    assert "tahun" in page  # the age
    assert "Bentuk usaha" in page and "Peternakan Ayam" in page
    assert "Surat Keterangan Domisili" not in page  # in the Siap Diambil tab
    ready = client.get("/permohonan?status=3").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in ready and "Kecamatan" in ready


def test_the_queue_lists_newest_first(client, session_factory):
    older = add_request(session_factory, created_at=datetime(2026, 11, 1, 8, 0))
    newer = add_request(session_factory, created_at=datetime(2026, 11, 3, 8, 0))
    login(client, "ani")
    page = client.get("/permohonan").get_data(as_text=True)
    assert page.index(f"#{newer}<") < page.index(f"#{older}<")


# --- actions -------------------------------------------------------------------------------------


def test_an_operator_checks_and_the_audit_log_says_so(client, session_factory):
    request_id = add_request(session_factory)
    login(client, "ani")
    page = post_action(client, request_id, "periksa").get_data(as_text=True)
    assert "menunggu tandatangan" in page
    row = request_row(session_factory, request_id)
    assert row.status == 2
    assert row.updated_at > datetime(2026, 11, 2, 8, 0)  # set to now, local time
    [entry] = audit_entries(session_factory, "periksa")
    assert entry.actor == "ani"
    assert json.loads(entry.detail) == {"request_id": request_id, "from_status": 1,
                                        "to_status": 2}
    assert "Diperiksa" in client.get("/audit").get_data(as_text=True)


def test_an_operator_cannot_sign(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "ani")
    detail = client.get(f"/permohonan/{request_id}").get_data(as_text=True)
    assert "Tandatangani" not in detail  # no such button for an operator
    page = post_action(client, request_id, "tandatangani").get_data(as_text=True)
    assert "Hanya Kepala Desa" in page
    assert request_row(session_factory, request_id).status == 2
    assert audit_entries(session_factory, "tandatangani") == []


def test_the_head_signs_issues_and_the_letter_downloads(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "kades")
    page = post_action(client, request_id, "tandatangani").get_data(as_text=True)
    assert "siap diambil" in page
    assert "Unduh surat (PDF)" in page
    assert request_row(session_factory, request_id).status == 3
    pdf = client.get(f"/permohonan/{request_id}/surat.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    [entry] = audit_entries(session_factory, "tandatangani")
    assert entry.actor == "kades"
    assert json.loads(entry.detail)["to_status"] == 3

    # Then the operator hands it over; the letter stays downloadable.
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "ani")
    post_action(client, request_id, "diambil")
    assert request_row(session_factory, request_id).status == 4
    assert client.get(f"/permohonan/{request_id}/surat.pdf").status_code == 200
    assert json.loads(audit_entries(session_factory, "diambil")[0].detail)["from_status"] == 3


def test_signing_without_a_key_shows_why(settings, session_factory, staff):
    from dataclasses import replace

    app = create_console(replace(settings, letter_signing_key_file=""), session_factory)
    client = app.test_client()
    request_id = add_request(session_factory, status=2)
    login(client, "kades")
    page = post_action(client, request_id, "tandatangani").get_data(as_text=True)
    assert "Kunci tanda tangan surat belum diatur" in page
    assert request_row(session_factory, request_id).status == 2
    assert audit_entries(session_factory, "tandatangani") == []


def test_no_pdf_before_the_letter_is_issued(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "ani")
    assert client.get(f"/permohonan/{request_id}/surat.pdf").status_code == 404


def test_a_rejection_needs_a_reason_which_the_request_keeps(client, session_factory):
    request_id = add_request(session_factory)
    login(client, "ani")
    page = post_action(client, request_id, "tolak", reason="   ").get_data(as_text=True)
    assert "Alasan penolakan wajib diisi" in page
    assert request_row(session_factory, request_id).status == 1

    page = post_action(client, request_id, "tolak", reason="Foto KTP tidak jelas"
                       ).get_data(as_text=True)
    row = request_row(session_factory, request_id)
    assert (row.status, row.note) == (5, "Foto KTP tidak jelas")
    assert "Foto KTP tidak jelas" in page
    [entry] = audit_entries(session_factory, "tolak")
    assert json.loads(entry.detail) == {"request_id": request_id, "from_status": 1,
                                        "to_status": 5, "reason": "Foto KTP tidak jelas"}


def test_a_stale_transition_is_refused(client, session_factory):
    # Given a request a staff member has open while OpenSID's admin pages cancel it
    request_id = add_request(session_factory)
    login(client, "ani")
    token = csrf_token(client, f"/permohonan/{request_id}")
    with session_scope(session_factory) as session:
        session.execute(update(LetterRequest).where(LetterRequest.id == request_id)
                        .values(status=5))
    # When the staff member presses "checked"
    page = client.post(f"/permohonan/{request_id}/periksa", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    # Then nothing changes and they are told why
    assert "sekarang berstatus Dibatalkan" in page
    assert request_row(session_factory, request_id).status == 5
    assert audit_entries(session_factory, "periksa") == []


def test_an_unknown_action_or_request_is_404(client, session_factory):
    request_id = add_request(session_factory)
    login(client, "ani")
    token = csrf_token(client, "/permohonan")
    assert client.post(f"/permohonan/{request_id}/hapus", data={"csrf_token": token}
                       ).status_code == 404
    assert client.get("/permohonan/999999").status_code == 404


# --- the dashboard -------------------------------------------------------------------------------


def test_percentile_matches_statistics_inclusive_quantiles():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == statistics.median(values) == 3.0
    assert percentile(values, 0.9) == pytest.approx(
        statistics.quantiles(values, n=10, method="inclusive")[8]) == pytest.approx(7.6)
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([], 0.5) is None


def test_the_dashboard_figures_come_from_the_timestamps(client, session_factory):
    # Submitted at 08:00 WIB (01:00 UTC); ready after 1, 2, 3 hours (SKU) and 4, 10 (SKD).
    submitted = datetime(2026, 11, 2, 8, 0)
    ids = {hours: add_request(session_factory, status=3, kind=kind, created_at=submitted)
           for hours, kind in ((1, "SKU"), (2, "SKU"), (3, "SKU"), (4, "SKD"), (10, "SKD"))}
    add_request(session_factory, status=1)  # not ready: not in the times
    with session_scope(session_factory) as session:
        head = session.scalars(select(Staff).where(Staff.username == "kades")).one()
        for hours, request_id in ids.items():
            ready_utc = datetime(2026, 11, 2, 1 + hours, 0)
            if hours != 4:  # 4: issued here, but the watcher has not seen it (issued_at counts)
                session.add(LetterTransition(request_id=request_id, from_status=2, to_status=3,
                                             seen_at=ready_utc))
                # A later transition back to 3 does not count: the first one does.
                session.add(LetterTransition(request_id=request_id, from_status=4, to_status=3,
                                             seen_at=datetime(2026, 11, 9)))
            if hours in (2, 4, 10):
                session.add(LetterDocument(
                    request_id=request_id, letter_log_id=0, number=f"N{hours}",
                    file_name="x.pdf", pdf=b"%PDF", token="t", issued_by=head.id,
                    issued_at=ready_utc + timedelta(minutes=0 if hours == 4 else 30)))
    login(client, "ani")
    page = client.get("/dasbor").get_data(as_text=True)
    overall = section(page, "times-overall")
    assert "<td>5</td>" in overall and "<td>3,0</td>" in overall and "<td>7,6</td>" in overall
    by_kind = section(page, "times-kind")
    assert row_of(by_kind, "Surat Keterangan Usaha") == ["3", "2,0", "2,8"]
    assert row_of(by_kind, "Surat Keterangan Domisili") == ["2", "7,0", "9,4"]
    assert row_of(section(page, "times-signer"), "Suparman") == ["3", "4,0", "8,8"]
    counts = section(page, "counts")
    assert row_of(counts, "Surat Keterangan Usaha") == ["0", "1", "0", "3", "0", "0", "4"]
    assert row_of(counts, "Surat Keterangan Domisili") == ["0", "0", "0", "2", "0", "0", "2"]


def test_the_dashboard_says_dash_without_data(client):
    login(client, "ani")
    overall = section(client.get("/dasbor").get_data(as_text=True), "times-overall")
    assert row_of(overall, "Semua permohonan") == ["0", "-", "-"]


def section(page: str, testid: str) -> str:
    """The HTML of the table with this data-testid."""
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</table>", start)]


def row_of(table: str, label: str) -> list[str]:
    """The data cells of the row whose header is `label`."""
    row = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', table, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row)


# --- staff accounts ----------------------------------------------------------------------------


def test_create_staff_updates_an_existing_account(client, sqlite_url, session_factory, capsys):
    status = cli.main(["create-staff", "--username", "ani", "--full-name", "Ani Kepala",
                       "--role", "kepala_desa"],
                      environ={"DATABASE_URL": sqlite_url, "STAFF_PASSWORD": "kata-sandi-baru"})
    assert status == 0
    assert "exists: updated" in capsys.readouterr().out
    with session_scope(session_factory) as session:
        ani = session.scalars(select(Staff).where(Staff.username == "ani")).one()
        assert (ani.full_name, ani.role) == ("Ani Kepala", "kepala_desa")
        assert ani.password_hash.startswith("scrypt:")
        assert session.query(Staff).filter_by(username="ani").count() == 1
    assert login(client, "ani").status_code == 401  # the old password no longer works
    assert login(client, "ani", "kata-sandi-baru").status_code == 302


@pytest.mark.parametrize("password, why", [("123", "minimal 8 karakter"),
                                            ("Budi.Santoso", "sama dengan nama pengguna")])
def test_create_staff_refuses_a_weak_password(sqlite_url, capsys, password, why):
    status = cli.main(["create-staff", "--username", "budi.santoso", "--full-name", "Budi",
                       "--role", "operator"],
                      environ={"DATABASE_URL": sqlite_url, "STAFF_PASSWORD": password})
    assert status == 1
    assert why in capsys.readouterr().err


def console_counts(client) -> dict[str, float]:
    """The console's login and action counters, from its /metrics page."""
    page = client.get("/metrics")
    assert page.status_code == 200  # served to Prometheus without a login
    samples = {(s.name, tuple(sorted(s.labels.values()))): s.value for family in
               text_string_to_metric_families(page.get_data(as_text=True))
               for s in family.samples}
    return {"failed": samples[("siades_console_logins_total", ("failed",))],
            "ok": samples[("siades_console_logins_total", ("ok",))],
            "done": samples[("siades_console_actions_total", ("done", "periksa"))],
            "refused": samples[("siades_console_actions_total", ("refused", "tandatangani"))]}


def test_metrics_count_logins_and_actions_without_a_login(client, session_factory):
    before = console_counts(client)
    request_id = add_request(session_factory)
    login(client, "ani", "wrong password")
    login(client, "ani")
    post_action(client, request_id, "periksa")
    post_action(client, request_id, "tandatangani")  # an operator may not sign
    after = console_counts(client)
    assert {key: after[key] - before[key] for key in before} == dict.fromkeys(before, 1)


def test_healthz_answers_without_a_login_and_says_when_the_database_is_away(settings, staff):
    assert create_console(settings).test_client().get("/healthz").status_code == 200
    away = Settings(database_url="sqlite:////nonexistent/dir/siades.db",
                    console_secret_key="test-secret")
    answer = create_console(away).test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_data(as_text=True).startswith("database unreachable")
