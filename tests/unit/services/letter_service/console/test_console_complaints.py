"""Complaints in the console, through Flask's test client on the seeded SQLite village: the
list per state, a complaint's page, its photo, answering it (public: OpenSID's child row too;
private: nothing in `pengaduan`), a complaint from the village website, the complaint figures
of the dashboard, and a staff member's own Telegram link (Akun Saya, the staff page)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from libs.siades.bot_models import (
    FILE_PENDING,
    FILE_REFUSED,
    FILE_STORED,
    AuditEntry,
    Complaint,
    ComplaintReply,
    ReceivedFile,
    Staff,
)
from libs.siades.coltypes import utcnow
from libs.siades.complaints import Pengaduan
from libs.siades.db import session_scope
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.models import Resident
from libs.vocabulary.complaints import ComplaintState
from services.letter_service import staff_link
from services.letter_service.complaints import records
from services.letter_service.console import complaint_stats
from services.letter_service.console.complaints import MAX_ANSWER_LENGTH
from tests.support.images import road_photo
from tests.unit.services.letter_service.console import test_console
from tests.unit.services.letter_service.console.test_console import (
    HEAD_NAME,
    HEAD_NIK,
    audit_entries,
    csrf_token,
    login,
    row_of,
    section,
)

# The console's fixtures: two staff accounts, the app and its test client.
settings, staff = test_console.settings, test_console.staff
app, client = test_console.app, test_console.client

CHAT = 8001
T0 = datetime(2026, 11, 2, 1, 0)  # naive UTC
WIFE_NIK, _WIFE_KK, WIFE_NAME = DEMO_RESIDENTS["wife"]


def add_complaint(session_factory, *, public: bool = True, nik: str = HEAD_NIK,
                  title: str = "Jalan berlubang", body: str = "Jalan di RT 01 berlubang besar.",
                  created_at: datetime | None = None, photo_id: int | None = None,
                  location: tuple[float, float] | None = None) -> int:
    """A complaint from the chat, filed as the bot files it."""
    created_at = created_at or utcnow()
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == nik)).one()
        complaint = records.file(
            session, resident, CHAT, title=title, body=body, public=public, photo_id=photo_id,
            latitude=location[0] if location else None,
            longitude=location[1] if location else None,
            local_now=created_at + timedelta(hours=7), utc_now=created_at)
        return complaint.id


def add_photo(session_factory, state: str = FILE_STORED, content: bytes | None = None,
              mime_type: str | None = "image/png", reason: str | None = None) -> int:
    """A bot_received_files row as the notifier leaves it."""
    with session_scope(session_factory) as session:
        row = ReceivedFile(chat_id=CHAT, file_id="AgAD-file", file_unique_id="uniq", state=state,
                           mime_type=mime_type if state == FILE_STORED else None,
                           content=content, size=len(content) if content else None,
                           reason=reason)
        session.add(row)
        session.flush()
        return row.id


def add_website_complaint(session_factory, created_at: datetime, status: int = 1,
                          answers: tuple[str, ...] = ()) -> int:
    """A `pengaduan` row as OpenSID's own web form writes it (local time), and its answers."""
    with session_scope(session_factory) as session:
        row = Pengaduan(nik=WIFE_NIK, name=WIFE_NAME, email="siti@example.org",
                        phone="081200000000", title="Lampu jalan mati",
                        body="Lampu di pertigaan mati seminggu.", status=status,
                        created_at=created_at, updated_at=created_at)
        session.add(row)
        session.flush()
        for text in answers:
            session.add(Pengaduan(parent_id=row.id, name="Operator OpenSID", body=text,
                                  status=status, created_at=created_at, updated_at=created_at))
        return row.id


def complaint_row(session_factory, complaint_id: int) -> Complaint:
    with session_scope(session_factory) as session:
        return session.get(Complaint, complaint_id)


def replies_of(session_factory, complaint_id: int) -> list[ComplaintReply]:
    with session_scope(session_factory) as session:
        return list(session.scalars(select(ComplaintReply).where(
            ComplaintReply.complaint_id == complaint_id).order_by(ComplaintReply.id)))


def pengaduan_rows(session_factory) -> list[Pengaduan]:
    with session_scope(session_factory) as session:
        return list(session.scalars(select(Pengaduan).order_by(Pengaduan.id)))


def answer(client, complaint_id: int, body: str, status: int = 2, **extra):
    token = csrf_token(client, f"/aduan/{complaint_id}")
    return client.post(f"/aduan/{complaint_id}/jawab",
                       data={"csrf_token": token, "body": body, "status": status, **extra},
                       follow_redirects=True)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the list and the pages --------------------------------------------------------------------


def test_the_complaint_pages_need_a_login(client, session_factory):
    complaint_id = add_complaint(session_factory, photo_id=add_photo(session_factory,
                                                                     content=road_photo()))
    for path in ("/aduan", "/aduan", f"/aduan/{complaint_id}",
                 f"/aduan/{complaint_id}/foto", "/aduan/opensid/1", "/akun"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/masuk"), path


def test_the_list_has_a_tab_per_state_with_counts_badges_icons_and_overdue(
        client, session_factory):
    now = utcnow()
    late = add_complaint(session_factory, created_at=now - timedelta(hours=30),
                         photo_id=add_photo(session_factory, content=road_photo()),
                         location=(-7.55, 112.23))
    fresh = add_complaint(session_factory, public=False, title="Tetangga bising",
                          created_at=now - timedelta(hours=1))
    answered = add_complaint(session_factory, created_at=now - timedelta(hours=40))
    with session_scope(session_factory) as session:
        records.answer(session, session.get(Complaint, answered), author="Ani", staff_id=None,
                       body="Sudah diperbaiki.", status=3, local_now=now, utc_now=now)
    website = add_website_complaint(session_factory, now + timedelta(hours=7 - 2))
    login(client, "ani")

    page = client.get("/aduan", follow_redirects=True).get_data(as_text=True)
    tabs = dict(re.findall(r'status=\d"[^>]*>\s*([^<]+?) <span class="count">(\d+)</span>', page))
    assert tabs == {"Menunggu Diproses": "3", "Sedang Diproses": "0", "Selesai Diproses": "1"}
    rows = {key: section_row(page, key) for key in (f"telegram-{late}", f"telegram-{fresh}",
                                                    f"situs-{website}")}
    assert 'class="overdue"' in rows[f"telegram-{late}"]
    assert "Terlambat" in rows[f"telegram-{late}"] and "Ada foto" in rows[f"telegram-{late}"]
    assert "Ada lokasi" in rows[f"telegram-{late}"] and "Publik" in rows[f"telegram-{late}"]
    assert "Terlambat" not in rows[f"telegram-{fresh}"] and "Privat" in rows[f"telegram-{fresh}"]
    assert "Ada foto" not in rows[f"telegram-{fresh}"]
    assert "dari situs desa" in rows[f"situs-{website}"]
    assert f'href="/aduan/opensid/{website}"' in rows[f"situs-{website}"]
    assert HEAD_NAME in rows[f"telegram-{late}"] and WIFE_NAME in rows[f"situs-{website}"]
    # Newest first: the website's (2 hours ago) between the chat's two.
    order = re.findall(r'data-testid="complaint-([a-z]+-\d+)"', page)
    assert order == [f"telegram-{fresh}", f"situs-{website}", f"telegram-{late}"]

    done = client.get("/aduan?status=3").get_data(as_text=True)
    assert f'data-testid="complaint-telegram-{answered}"' in done
    assert f"telegram-{late}" not in done


def section_row(page: str, key: str) -> str:
    start = page.index(f'data-testid="complaint-{key}"')
    return page[start:page.index("</tr>", start)]


def test_a_complaints_page_shows_the_resident_masked_the_text_escaped_and_the_location(
        client, session_factory):
    complaint_id = add_complaint(
        session_factory, title="Got <tersumbat>",
        body="Air meluap ke jalan <script>alert(1)</script>\nsejak kemarin.",
        location=(-7.551234, 112.233456))
    pengaduan_id = complaint_row(session_factory, complaint_id).pengaduan_id
    login(client, "ani")  # an operator: a request's NIK would be in full, a complaint's is not
    page = client.get(f"/aduan/{complaint_id}").get_data(as_text=True)
    assert HEAD_NAME in page and HEAD_NIK not in page and "3517**********01" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Got &lt;tersumbat&gt;" in page
    assert f"admin OpenSID sebagai pengaduan #{pengaduan_id}" in page
    assert "-7.551234, 112.233456" in page
    assert ("https://www.openstreetmap.org/?mlat=-7.551234&amp;mlon=112.233456"
            "#map=18/-7.551234/112.233456") in page
    assert "Tanpa foto." in page and "Belum ada jawaban." in page


@pytest.mark.parametrize("state, reason, shown", [
    (FILE_PENDING, None, "Foto masih diunduh dari Telegram"),
    (FILE_REFUSED, "bukan gambar", "Foto ditolak: bukan gambar"),
])
def test_a_photo_not_stored_says_why(client, session_factory, state, reason, shown):
    complaint_id = add_complaint(session_factory,
                                 photo_id=add_photo(session_factory, state, reason=reason))
    login(client, "ani")
    assert shown in client.get(f"/aduan/{complaint_id}").get_data(as_text=True)
    assert client.get(f"/aduan/{complaint_id}/foto").status_code == 404


def test_the_photo_is_served_to_staff_with_its_type(client, session_factory):
    photo = road_photo()
    complaint_id = add_complaint(session_factory,
                                 photo_id=add_photo(session_factory, content=photo))
    assert client.get(f"/aduan/{complaint_id}/foto").status_code == 302  # not logged in
    login(client, "kades")
    page = client.get(f"/aduan/{complaint_id}").get_data(as_text=True)
    assert f'src="/aduan/{complaint_id}/foto"' in page
    response = client.get(f"/aduan/{complaint_id}/foto")
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data == photo
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename=aduan-' in response.headers["Content-Disposition"]
    # Stored bytes of a type no image has are never served as a page.
    html = add_complaint(session_factory, photo_id=add_photo(
        session_factory, content=b"<html>", mime_type="text/html"))
    assert client.get(f"/aduan/{html}/foto").status_code == 404
    assert client.get(f"/aduan/{add_complaint(session_factory)}/foto").status_code == 404


# --- answering ---------------------------------------------------------------------------------


def test_answering_a_public_complaint_writes_the_reply_and_opensids_child_row(
        client, session_factory):
    complaint_id = add_complaint(session_factory)
    parent = complaint_row(session_factory, complaint_id).pengaduan_id
    login(client, "ani")
    page = answer(client, complaint_id, "  Petugas datang besok pagi.  ", 2).get_data(
        as_text=True)
    assert f"Jawaban untuk aduan #{complaint_id} disimpan dengan status Sedang Diproses" in page
    assert "Petugas datang besok pagi." in section_of(page, "replies")

    [reply] = replies_of(session_factory, complaint_id)
    ani_id = staff_id(session_factory, "ani")
    assert (reply.author, reply.staff_id, reply.body, reply.status, reply.told_at) == (
        "Ani Operator", ani_id, "Petugas datang besok pagi.", 2, None)
    rows = {row.id: row for row in pengaduan_rows(session_factory)}
    child = rows[reply.pengaduan_id]
    assert (child.parent_id, child.name, child.body, child.status) == (
        parent, "Ani Operator", "Petugas datang besok pagi.", 2)
    assert rows[parent].status == 2
    complaint = complaint_row(session_factory, complaint_id)
    assert complaint.status == 2 and complaint.first_answer_at is not None
    assert complaint.closed_at is None

    [entry] = audit_entries(session_factory, "jawab_aduan")
    assert entry.actor == "ani"
    assert f'"complaint_id": {complaint_id}' in entry.detail
    assert "Menunggu Diproses → Sedang Diproses" in entry.detail
    # The audit log names it and links the complaint.
    log = client.get("/audit").get_data(as_text=True)
    assert "Menjawab aduan" in log and f'href="/aduan/{complaint_id}"' in log

    answer(client, complaint_id, "Lubang sudah ditambal.", 3)
    complaint = complaint_row(session_factory, complaint_id)
    assert complaint.status == 3 and complaint.closed_at is not None
    assert {row.status for row in pengaduan_rows(session_factory)
            if parent in (row.id, row.parent_id)} == {3}


def test_answering_a_private_complaint_writes_nothing_into_pengaduan(client, session_factory):
    complaint_id = add_complaint(session_factory, public=False)
    before = pengaduan_rows(session_factory)
    login(client, "kades")
    page = answer(client, complaint_id, "Kami tindak lanjuti secara tertutup.", 3).get_data(
        as_text=True)
    assert "Privat" in page and "Tidak tampil di situs desa" in page
    [reply] = replies_of(session_factory, complaint_id)
    assert reply.pengaduan_id is None and reply.author == "Suparman" and reply.status == 3
    assert len(pengaduan_rows(session_factory)) == len(before) == 0
    assert complaint_row(session_factory, complaint_id).closed_at is not None


@pytest.mark.parametrize("body, status, why", [
    ("   ", 2, "Jawaban wajib diisi."),
    ("x" * (MAX_ANSWER_LENGTH + 1), 2, "Jawaban terlalu panjang"),
    ("Baik.", 7, "Pilih status aduan."),
])
def test_a_wrong_answer_is_refused_and_nothing_is_written(client, session_factory, body, status,
                                                          why):
    complaint_id = add_complaint(session_factory)
    login(client, "ani")
    response = answer(client, complaint_id, body, status)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert why in page
    if body.strip():
        assert body[:50] in page  # what was typed is kept in the form
    assert replies_of(session_factory, complaint_id) == []
    assert len(pengaduan_rows(session_factory)) == 1  # the complaint's own row only
    assert audit_entries(session_factory, "jawab_aduan") == []
    assert complaint_row(session_factory, complaint_id).status == 1


def test_the_same_answer_pressed_twice_is_saved_once(client, session_factory):
    complaint_id = add_complaint(session_factory)
    login(client, "ani")
    answer(client, complaint_id, "Segera kami cek.", 2)
    second = answer(client, complaint_id, "Segera kami cek.", 2)
    assert second.status_code == 400
    assert "sudah tersimpan" in second.get_data(as_text=True)
    assert len(replies_of(session_factory, complaint_id)) == 1


def test_an_answer_without_the_forms_token_is_refused(client, session_factory):
    complaint_id = add_complaint(session_factory)
    login(client, "ani")
    response = client.post(f"/aduan/{complaint_id}/jawab",
                           data={"body": "Tanpa token.", "status": 2})
    assert response.status_code == 400
    assert replies_of(session_factory, complaint_id) == []


def test_an_unknown_complaint_is_404(client):
    login(client, "ani")
    assert client.get("/aduan/999").status_code == 404
    assert client.get("/aduan/opensid/999").status_code == 404


def section_of(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</ol>", start)]


def staff_id(session_factory, username: str) -> int:
    with session_scope(session_factory) as session:
        return session.scalar(select(Staff.id).where(Staff.username == username))


# --- complaints from the village website -------------------------------------------------------


def test_a_website_complaint_is_read_only_here_with_its_answers(client, session_factory):
    website = add_website_complaint(session_factory, datetime(2026, 11, 3, 9, 0), status=2,
                                    answers=("Sedang kami periksa.",))
    ours = add_complaint(session_factory)
    login(client, "ani")
    page = client.get(f"/aduan/opensid/{website}").get_data(as_text=True)
    assert "Jawab di admin OpenSID" in page and "dari situs desa" in page
    assert WIFE_NAME in page and WIFE_NIK not in page and "3517**********02" in page
    assert "Sedang kami periksa." in page and "Operator OpenSID" in page
    assert "Kirim jawaban" not in page and "<form" not in page.split("</header>")[1]
    # Our own public complaint's pengaduan row is shown on its own page.
    ours_row = complaint_row(session_factory, ours).pengaduan_id
    response = client.get(f"/aduan/opensid/{ours_row}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/aduan/{ours}"
    # An answer row is no complaint.
    answer_row = max(row.id for row in pengaduan_rows(session_factory) if row.parent_id)
    assert client.get(f"/aduan/opensid/{answer_row}").status_code == 404


# --- the figures -------------------------------------------------------------------------------


def reply_at(session, complaint_id: int, hours: float, status: int, staff: int | None) -> None:
    """An answer `hours` after T0: ours (staff id) or from OpenSID's admin (None)."""
    moment = T0 + timedelta(hours=hours)
    complaint = session.get(Complaint, complaint_id)
    if staff is None:
        reply = ComplaintReply(complaint_id=complaint_id, author="Admin Desa", body="ok",
                               status=status, created_at=moment)
        session.add(reply)
        records.note_reply(complaint, reply, moment)
    else:
        records.answer(session, complaint, author="x", staff_id=staff, body="ok",
                       status=status, local_now=moment, utc_now=moment)


def seed_figures(session_factory) -> None:
    """Three complaints answered and closed at known hours, two unanswered, one from the
    website.

    | #  | first answer       | closed                                          |
    | C1 | 1 h, Ani           | 10 h, Suparman                                  |
    | C2 | 3 h, Ani (closes)  | 3 h, Ani                                        |
    | C3 | 30 h, OpenSID admin| 40 h Suparman, reopened 41 h, 50 h Ani: 50 h Ani |
    """
    c1 = add_complaint(session_factory, created_at=T0)
    c2 = add_complaint(session_factory, created_at=T0)
    c3 = add_complaint(session_factory, public=False, created_at=T0)
    add_complaint(session_factory, created_at=utcnow() - timedelta(hours=30))  # overdue
    add_complaint(session_factory, public=False, created_at=utcnow() - timedelta(hours=1))
    add_website_complaint(session_factory, datetime(2026, 11, 3, 9, 0))
    ani, kades = staff_id(session_factory, "ani"), staff_id(session_factory, "kades")
    with session_scope(session_factory) as session:
        for complaint, hours, status, by in ((c1, 1, 2, ani), (c1, 10, 3, kades),
                                             (c2, 3, 3, ani),
                                             (c3, 30, 2, None), (c3, 40, 3, kades),
                                             (c3, 41, 2, ani), (c3, 50, 3, ani)):
            reply_at(session, complaint, hours, status, by)


def test_the_complaint_figures_from_known_data(session_factory, staff):
    seed_figures(session_factory)
    with session_scope(session_factory) as session:
        found = complaint_stats.handled(session)
        counts = complaint_stats.counts_by_state(session)
    figures = complaint_stats.figures(found, utcnow(), 24)
    assert counts == {"Telegram, publik": {1: 1, 3: 2}, "Telegram, privat": {1: 1, 3: 1},
                      "Situs desa": {1: 1}}
    first = figures.first_answer
    assert (first.count, first.median, first.p90) == (3, 3.0, pytest.approx(24.6))
    assert [(f.label, f.count, f.median, f.p90) for f in figures.first_answer_by_staff] == [
        ("Ani Operator", 2, 2.0, pytest.approx(2.8)), ("Admin OpenSID", 1, 30.0, 30.0)]
    closed = figures.closure
    assert (closed.count, closed.median, closed.p90) == (3, 10.0, pytest.approx(42.0))
    assert [(f.label, f.count, f.median, f.p90) for f in figures.closure_by_staff] == [
        ("Ani Operator", 2, 26.5, pytest.approx(45.3)), ("Suparman", 1, 10.0, 10.0)]
    assert (figures.unanswered_overdue, figures.answered_late) == (1, 1)
    # A longer SLA: nothing overdue.
    assert complaint_stats.figures(found, utcnow(), 48).answered_late == 0


def test_the_dashboard_shows_the_complaint_figures(client, session_factory):
    seed_figures(session_factory)
    login(client, "kades")
    page = client.get("/dasbor").get_data(as_text=True)
    counts = section(page, "complaint-counts")
    assert row_of(counts, "Telegram, publik") == ["1", "0", "2", "3"]
    assert row_of(counts, "Situs desa") == ["1", "0", "0", "1"]
    first = section(page, "complaint-first")
    assert row_of(first, "Semua aduan") == ["3", "3,0", "24,6"]
    assert row_of(first, "Admin OpenSID") == ["1", "30,0", "30,0"]
    assert row_of(section(page, "complaint-closed"), "Ani Operator") == ["2", "26,5", "45,3"]
    overdue = text_of(section(page, "complaint-overdue"))
    assert "Belum dijawab, sudah lewat 24 jam 1" in overdue
    assert "Dijawab setelah lewat 24 jam 1" in overdue


def test_the_complaint_figures_without_data(client):
    login(client, "ani")
    page = client.get("/dasbor").get_data(as_text=True)
    assert row_of(section(page, "complaint-first"), "Semua aduan") == ["0", "-", "-"]
    assert row_of(section(page, "complaint-counts"), "Telegram, privat") == ["0", "0", "0", "0"]


def test_a_complaint_reopened_and_not_closed_has_no_closer():
    replies = [ComplaintReply(id=1, status=3), ComplaintReply(id=2, status=2)]
    assert complaint_stats.closing_reply(replies) is None
    replies.append(ComplaintReply(id=3, status=3))
    replies.append(ComplaintReply(id=4, status=3))  # a later note on a closed one
    assert complaint_stats.closing_reply(replies).id == 3


# --- Akun Saya: the staff member's own Telegram --------------------------------------------------


def shown_code(page: str) -> str:
    return re.search(r'data-testid="code">STAF ([A-Z0-9]+)</p>', page).group(1)


def test_the_link_code_is_shown_once_and_a_second_press_replaces_the_first(
        client, session_factory):
    login(client, "ani")
    page = client.get("/akun").get_data(as_text=True)
    assert "Belum terhubung" in page and "Hubungkan Telegram" in page
    token = csrf_token(client, "/akun")
    first_page = client.post("/akun/telegram", data={"csrf_token": token}).get_data(as_text=True)
    first = shown_code(first_page)
    assert len(first) == staff_link.CODE_LENGTH and "Kirim pesan ini ke bot" in first_page
    assert "Kode hanya berlaku sekali, sampai" in first_page
    second = shown_code(client.post("/akun/telegram", data={"csrf_token": token})
                        .get_data(as_text=True))
    assert second != first
    assert [e.action for e in audit_entries(session_factory, "staff_link_code")] == [
        "staff_link_code"] * 2
    with session_scope(session_factory) as session:
        assert staff_link.redeem(session, first, 9101, utcnow()) is None  # replaced
        assert staff_link.redeem(session, second, 9101, utcnow()).username == "ani"
    page = client.get("/akun").get_data(as_text=True)
    assert "Terhubung" in page and "chat 9101" in page and "Putuskan" in page


def link(session_factory, username: str, chat: int) -> None:
    with session_scope(session_factory) as session:
        session.scalars(select(Staff).where(Staff.username == username)).one() \
            .telegram_chat_id = chat


def linked_chat(session_factory, username: str) -> int | None:
    with session_scope(session_factory) as session:
        return session.scalar(select(Staff.telegram_chat_id).where(Staff.username == username))


def test_a_staff_member_unlinks_their_own_telegram(client, session_factory):
    link(session_factory, "ani", 9201)
    login(client, "ani")
    page = client.post("/akun/telegram/putuskan", data={"csrf_token": csrf_token(client, "/akun")},
                       follow_redirects=True).get_data(as_text=True)
    assert "tidak terhubung lagi" in page and "Belum terhubung" in page
    assert linked_chat(session_factory, "ani") is None
    [entry] = audit_entries(session_factory, "staff_telegram_unlinked")
    assert entry.actor == "ani"


def test_the_kepala_desa_sees_and_unlinks_an_accounts_telegram(client, session_factory):
    link(session_factory, "ani", 9301)
    ani = staff_id(session_factory, "ani")
    login(client, "ani")  # an operator may not
    token = csrf_token(client, "/akun")
    assert client.post(f"/staf/{ani}/putuskan-telegram",
                       data={"csrf_token": token}).status_code == 403
    client.post("/keluar", data={"csrf_token": token})
    login(client, "kades")
    page = client.get("/staf").get_data(as_text=True)
    assert "Terhubung" in section_cell(page, "telegram-ani")
    assert "Belum" in section_cell(page, "telegram-kades")
    page = client.post(f"/staf/{ani}/putuskan-telegram",
                       data={"csrf_token": csrf_token(client, "/staf")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Telegram akun ani (Ani Operator) diputus" in page
    assert "Belum" in section_cell(page, "telegram-ani")
    assert linked_chat(session_factory, "ani") is None
    with session_scope(session_factory) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "staff_telegram_unlinked")).one()
        assert (entry.actor, json.loads(entry.detail)) == ("kades", {"staff_id": ani})
        assert session.scalar(select(func.count()).select_from(AuditEntry)) > 0


def section_cell(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</td>", start)]


def test_complaint_states_are_opensids():
    assert [state.opensid_name for state in ComplaintState] == [
        "Menunggu Diproses", "Sedang Diproses", "Selesai Diproses"]


def test_the_residents_page_lists_their_complaints(client, session_factory):
    public = add_complaint(session_factory, title="Jalan berlubang")
    private = add_complaint(session_factory, public=False, title="Tetangga bising")
    with session_scope(session_factory) as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.nik == HEAD_NIK))
    login(client, "ani")
    page = client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    listed = page[page.index('data-testid="complaints"'):]
    for complaint_id in (public, private):
        assert f'href="/aduan/{complaint_id}"' in listed
    assert "Tetangga bising" in listed and "Privat" in listed
