"""The console as the office's daily tool, through Flask's test client on the seeded SQLite
village: each role's landing tab, the letter's preview and number, correcting an answer,
returning a request as Belum Lengkap, the three kinds of status 5, withdrawing a letter, and
the residents' pages with unlink, relink and unlock."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select, update

from libs import texts
from libs.contracts import decode_outgoing
from libs.siades.bot_models import (
    LetterDocument,
    OutboxEntry,
    RegistrationAttempt,
)
from libs.siades.coltypes import utcnow
from libs.siades.db import session_scope
from libs.siades.letters import LetterLog, LetterRequest
from libs.siades.models import Resident
from services.letter_service.watcher import unpublished
from tests.unit.services.letter_service.console import test_console
from tests.unit.services.letter_service.console.test_console import (
    HEAD_NAME,
    HEAD_NIK,
    SKU_FIELDS,
    add_request,
    audit_entries,
    csrf_token,
    login,
    post_action,
    request_row,
)

# The console's fixtures: two staff accounts, the app and its test client.
settings, staff = test_console.settings, test_console.staff
app, client = test_console.app, test_console.client

OLD_CHAT, NEW_CHAT = 7001, 7002


def tab_counts(page: str) -> dict[str, int]:
    """The queue's tabs as shown: label -> count."""
    return {label.strip(): int(count) for label, count in re.findall(
        r'<a href="/permohonan\?status=[^"]+"[^>]*>\s*([^<]+?) <span class="count">(\d+)</span>',
        page)}


def current_tab(page: str) -> str:
    return re.search(r'aria-current="page">\s*([^<]+?) <span', page).group(1)


def outbox(session_factory) -> list[tuple[str, int, str]]:
    """(source, chat, text) of every stored message."""
    with session_scope(session_factory) as session:
        return [(entry.source_message_id, decode_outgoing(entry.payload.encode()).chat_id,
                 decode_outgoing(entry.payload.encode()).text)
                for entry in session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))]


# --- where each role lands, the tabs ---------------------------------------------------------


def test_each_role_lands_on_its_work_and_every_tab_shows_its_count(client, session_factory):
    add_request(session_factory, status=1)
    add_request(session_factory, status=2)
    add_request(session_factory, status=2)
    login(client, "kades")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert current_tab(page) == "Menunggu Tandatangan"
    counts = tab_counts(page)
    assert counts == {"Belum Lengkap": 0, "Sedang Diperiksa": 1, "Menunggu Tandatangan": 2,
                      "Siap Diambil": 0, "Sudah Diambil": 0, "Ditolak": 0,
                      "Dibatalkan pemohon": 0, "Dicabut": 0}
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "ani")
    assert current_tab(client.get("/permohonan").get_data(as_text=True)) == "Sedang Diperiksa"


def test_status_5_is_split_into_rejected_cancelled_and_withdrawn(client, session_factory):
    rejected = add_request(session_factory, status=1)
    cancelled = add_request(session_factory, status=1)
    withdrawn = add_request(session_factory, status=2)
    login(client, "kades")
    post_action(client, rejected, "tolak", reason="Data tidak sesuai")
    with session_scope(session_factory) as session:
        session.execute(update(LetterRequest).where(LetterRequest.id == cancelled)
                        .values(status=5, note=texts.LETTER_CANCEL_NOTE))
    post_action(client, withdrawn, "tandatangani")
    post_action(client, withdrawn, "cabut", reason="Salah nama usaha")
    page = client.get("/permohonan").get_data(as_text=True)
    assert {k: v for k, v in tab_counts(page).items() if k in
            ("Ditolak", "Dibatalkan pemohon", "Dicabut")} == {
        "Ditolak": 1, "Dibatalkan pemohon": 1, "Dicabut": 1}
    for key, request_id in (("ditolak", rejected), ("dibatalkan", cancelled),
                            ("dicabut", withdrawn)):
        listed = re.findall(r'href="/permohonan/(\d+)"',
                            client.get(f"/permohonan?status={key}").get_data(as_text=True))
        assert listed == [str(request_id)], key
    assert "(Dibatalkan pemohon)" in client.get(f"/permohonan/{cancelled}").get_data(as_text=True)


# --- the preview and the number ----------------------------------------------------------------


def row_counts(session_factory) -> tuple[int, int, int]:
    with session_scope(session_factory) as session:
        counts = (session.scalar(select(func.count()).select_from(LetterLog)),
                  session.scalar(select(func.count()).select_from(LetterDocument)))
    return (*counts, len(audit_entries(session_factory)))


def test_the_preview_is_the_letter_marked_pratinjau_and_writes_nothing(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "ani")  # the operator may look too: the Kepala Desa's name is printed
    before = row_counts(session_factory), request_row(session_factory, request_id).form
    page = client.get(f"/permohonan/{request_id}").get_data(as_text=True)
    number = re.search(r'data-testid="next-number">[^<]*<strong>([^<]+)</strong>', page)[1]
    response = client.get(f"/permohonan/{request_id}/pratinjau.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "PRATINJAU" in text and f"Nomor: {number}" in text
    assert "Suparman" in text and HEAD_NAME in text and "Peternakan Ayam" in text
    # Nothing was written: no number taken, no letter, no audit line, the request as it was.
    assert (row_counts(session_factory), request_row(session_factory, request_id).form) == before
    assert client.get(f"/permohonan/{request_id}/pratinjau.pdf").data == response.data

    # The Kepala Desa signs: the flash and the page give that very number, the PDF link too.
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "kades")
    page = post_action(client, request_id, "tandatangani").get_data(as_text=True)
    assert f"Nomor surat: {number}." in page
    assert re.search(r'data-testid="letter-number">([^<]+)<', page)[1] == number
    assert f'href="/permohonan/{request_id}/surat.pdf"' in page
    signed = PdfReader(io.BytesIO(client.get(f"/permohonan/{request_id}/surat.pdf").data))
    assert "PRATINJAU" not in signed.pages[0].extract_text()
    assert client.get(f"/permohonan/{request_id}/pratinjau.pdf").status_code == 409


# --- correcting an answer ----------------------------------------------------------------------


def test_staff_correct_an_answer_by_the_chats_rules_audited_old_and_new(client, session_factory):
    request_id = add_request(session_factory, status=1)
    login(client, "ani")
    form_page = client.get(f"/permohonan/{request_id}/isian").get_data(as_text=True)
    assert 'value="Peternakan Ayam"' in form_page
    token = csrf_token(client, f"/permohonan/{request_id}/isian")
    refused = client.post(f"/permohonan/{request_id}/isian",
                          data={"csrf_token": token, **SKU_FIELDS, "usaha": "A"})
    assert refused.status_code == 400
    assert "Bentuk usaha terlalu pendek" in refused.get_data(as_text=True)
    assert json.loads(request_row(session_factory, request_id).form) == SKU_FIELDS

    page = client.post(f"/permohonan/{request_id}/isian",
                       data={"csrf_token": token, **SKU_FIELDS, "usaha": "  Peternakan   Bebek "},
                       follow_redirects=True).get_data(as_text=True)
    assert "Peternakan Ayam → Peternakan Bebek" in page
    assert json.loads(request_row(session_factory, request_id).form) == {
        **SKU_FIELDS, "usaha": "Peternakan Bebek"}
    [entry] = audit_entries(session_factory, "ubah_isian")
    assert entry.actor == "ani"
    assert json.loads(entry.detail) == {"request_id": request_id, "field": "usaha",
                                        "label": "bentuk usaha", "old": "Peternakan Ayam",
                                        "new": "Peternakan Bebek"}


def test_a_field_left_out_of_the_form_is_left_as_it_was(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "ani")
    token = csrf_token(client, f"/permohonan/{request_id}/isian")
    client.post(f"/permohonan/{request_id}/isian",
                data={"csrf_token": token, "tujuan": "Bank BRI"})
    assert json.loads(request_row(session_factory, request_id).form) == {
        **SKU_FIELDS, "tujuan": "Bank BRI"}
    assert request_row(session_factory, request_id).status == 2


def test_answers_cannot_be_corrected_after_signing(client, session_factory):
    request_id = add_request(session_factory, status=3)
    login(client, "ani")
    assert "Perbaiki isian" not in client.get(f"/permohonan/{request_id}").get_data(as_text=True)
    token = csrf_token(client, f"/permohonan/{request_id}")
    page = client.post(f"/permohonan/{request_id}/isian",
                       data={"csrf_token": token, **SKU_FIELDS, "usaha": "Toko Kelontong"},
                       follow_redirects=True).get_data(as_text=True)
    assert "tidak dapat diperbaiki" in page
    assert json.loads(request_row(session_factory, request_id).form) == SKU_FIELDS


# --- Belum Lengkap, withdrawing ---------------------------------------------------------------


def test_a_request_is_returned_as_belum_lengkap_with_what_is_missing(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "ani")
    page = post_action(client, request_id, "kembalikan", reason=" ").get_data(as_text=True)
    assert "Yang perlu dilengkapi pemohon wajib diisi." in page
    assert request_row(session_factory, request_id).status == 2
    post_action(client, request_id, "kembalikan", reason="Tujuan surat belum jelas")
    row = request_row(session_factory, request_id)
    assert (row.status, row.note) == (0, "Tujuan surat belum jelas")
    [entry] = audit_entries(session_factory, "kembalikan")
    assert json.loads(entry.detail) == {"request_id": request_id, "from_status": 2,
                                        "to_status": 0, "reason": "Tujuan surat belum jelas"}
    listed = client.get("/permohonan?status=0").get_data(as_text=True)
    assert f'href="/permohonan/{request_id}"' in listed and "Tujuan surat belum jelas" in listed


def test_only_the_kepala_desa_withdraws_an_issued_letter_with_a_reason(client, session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "kades")
    post_action(client, request_id, "tandatangani")
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "ani")
    assert "Cabut surat" not in client.get(f"/permohonan/{request_id}").get_data(as_text=True)
    page = post_action(client, request_id, "cabut", reason="x").get_data(as_text=True)
    assert "Hanya Kepala Desa yang dapat mencabut surat." in page
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "kades")
    assert "Alasan pencabutan surat wajib diisi." in post_action(
        client, request_id, "cabut", reason="").get_data(as_text=True)
    page = post_action(client, request_id, "cabut", reason="Pemohon pindah domisili"
                       ).get_data(as_text=True)
    assert "Pemohon pindah domisili" in page and "(Dicabut)" in page
    with session_scope(session_factory) as session:
        document = session.get(LetterDocument, request_id)
        assert document.revoked_reason == "Pemohon pindah domisili"
        assert document.revoked_at is not None
    assert request_row(session_factory, request_id).status == 5


def test_a_letter_issued_elsewhere_cannot_be_withdrawn_here(client, session_factory):
    request_id = add_request(session_factory, status=3)  # signed in OpenSID's admin: no PDF here
    login(client, "kades")
    page = post_action(client, request_id, "cabut", reason="Salah").get_data(as_text=True)
    assert "tidak diterbitkan dari konsol ini" in page
    assert request_row(session_factory, request_id).status == 3


# --- residents -----------------------------------------------------------------------------------


def link(session_factory, chat: int | None) -> int:
    """Link the demo head of family to a chat; returns the resident's id."""
    with session_scope(session_factory) as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD_NIK)).one()
        resident.telegram = str(chat) if chat else None
        resident.telegram_verified_at = datetime(2026, 11, 1, 9, 0) if chat else None
        return resident.id


def attempt(session_factory, chat: int, success: bool = False, ago: timedelta = timedelta(0),
            nik: str = HEAD_NIK) -> None:
    with session_scope(session_factory) as session:
        session.add(RegistrationAttempt(
            chat_id=chat, attempted_at=utcnow() - ago, success=success,
            reason="linked" if success else "no_match",
            nik_digest=hashlib.sha256(nik.encode()).hexdigest()))


def post_resident(client, resident_id: int, action: str, **form):
    token = csrf_token(client, f"/penduduk/{resident_id}")
    return client.post(f"/penduduk/{resident_id}/{action}", data={"csrf_token": token, **form},
                       follow_redirects=True).get_data(as_text=True)


def test_search_by_name_or_whole_nik_masked_for_the_kepala_desa(client, session_factory):
    login(client, "ani")
    page = client.get("/penduduk?q=budi").get_data(as_text=True)
    assert HEAD_NAME in page and HEAD_NIK in page
    assert HEAD_NAME in client.get(f"/penduduk?q={HEAD_NIK}").get_data(as_text=True)
    assert HEAD_NAME not in client.get(f"/penduduk?q={HEAD_NIK[:10]}").get_data(as_text=True)
    assert HEAD_NAME not in client.get("/penduduk?q=bu").get_data(as_text=True)
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/permohonan")})
    login(client, "kades")
    page = client.get("/penduduk?q=BUDI").get_data(as_text=True)
    assert HEAD_NAME in page and HEAD_NIK not in page and "3517**********01" in page
    resident_id = link(session_factory, None)
    assert HEAD_NIK not in client.get(f"/penduduk/{resident_id}").get_data(as_text=True)


def test_the_kepala_desa_sees_the_nik_masked_in_the_queue_and_on_a_request(client,
                                                                            session_factory):
    request_id = add_request(session_factory, status=2)
    login(client, "kades")
    for path in ("/permohonan", f"/permohonan/{request_id}"):
        page = client.get(path).get_data(as_text=True)
        assert HEAD_NAME in page and HEAD_NIK not in page and "3517**********01" in page


def test_the_residents_page_lists_link_requests_and_attempts(client, session_factory):
    resident_id = link(session_factory, OLD_CHAT)
    request_id = add_request(session_factory, status=1)
    attempt(session_factory, NEW_CHAT)
    attempt(session_factory, 7003, nik="3517090000000000")  # another NIK, another chat: not shown
    login(client, "ani")
    page = client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    assert str(OLD_CHAT) in page and "1 Nov 2026 09:00" in page
    assert f'href="/permohonan/{request_id}"' in page
    assert str(NEW_CHAT) in page and "7003" not in page


def test_unlink_clears_the_link_audits_and_tells_the_old_chat(client, session_factory):
    resident_id = link(session_factory, OLD_CHAT)
    login(client, "ani")
    page = post_resident(client, resident_id, "putuskan")
    assert "diputus" in page
    with session_scope(session_factory) as session:
        resident = session.get(Resident, resident_id)
        assert (resident.telegram, resident.telegram_verified_at) == (None, None)
    [entry] = audit_entries(session_factory, "putuskan_telegram")
    assert json.loads(entry.detail) == {"resident_id": resident_id, "chat_id": OLD_CHAT}
    assert outbox(session_factory) == [(f"console-{entry.id}", OLD_CHAT, texts.CONSOLE_UNLINKED)]
    with session_scope(session_factory) as session:
        assert [e.source_message_id for e in unpublished(session)] == [f"console-{entry.id}"]


def test_relink_moves_the_link_to_a_chat_that_tried_after_the_ktp_check(client, session_factory):
    resident_id = link(session_factory, OLD_CHAT)
    attempt(session_factory, NEW_CHAT)
    login(client, "ani")
    page = post_resident(client, resident_id, "pindahkan", chat_id=NEW_CHAT)
    assert "KTP pemilik data diperiksa" in page
    page = post_resident(client, resident_id, "pindahkan", chat_id=9999, ktp_checked="1")
    assert "tidak pernah mencoba mendaftar" in page
    page = post_resident(client, resident_id, "pindahkan", chat_id=NEW_CHAT, ktp_checked="1")
    assert "kedua akun diberi tahu" in page
    with session_scope(session_factory) as session:
        assert session.get(Resident, resident_id).telegram == str(NEW_CHAT)
    [entry] = audit_entries(session_factory, "pindahkan_telegram")
    assert json.loads(entry.detail) == {"resident_id": resident_id, "from_chat_id": OLD_CHAT,
                                        "to_chat_id": NEW_CHAT}
    assert outbox(session_factory) == [
        (f"console-{entry.id}", OLD_CHAT, texts.CONSOLE_MOVED_AWAY),
        (f"console-{entry.id}", NEW_CHAT, texts.CONSOLE_LINKED)]


def test_relink_refuses_a_chat_linked_to_someone_else(client, session_factory):
    resident_id = link(session_factory, None)
    attempt(session_factory, NEW_CHAT)
    with session_scope(session_factory) as session:
        other = session.scalars(select(Resident).where(Resident.nik != HEAD_NIK,
                                                       Resident.base_status == 1)).first()
        other.telegram = str(NEW_CHAT)
    login(client, "ani")
    page = post_resident(client, resident_id, "pindahkan", chat_id=NEW_CHAT, ktp_checked="1")
    assert "sudah terhubung dengan penduduk lain" in page
    assert outbox(session_factory) == []


def test_unlock_deletes_the_windows_failures_and_tells_the_chat(client, settings,
                                                                 session_factory):
    resident_id = link(session_factory, None)
    for _ in range(3):
        attempt(session_factory, NEW_CHAT)
    attempt(session_factory, 7005)  # another account guessing the same NIK
    attempt(session_factory, NEW_CHAT, nik="3517090000000000")  # the chat's other failure
    attempt(session_factory, NEW_CHAT, ago=timedelta(hours=settings.registration_window_hours,
                                                     minutes=5))  # out of the window: kept
    login(client, "ani")
    page = post_resident(client, resident_id, "buka-kunci", chat_id=NEW_CHAT)
    assert "5 percobaan gagal dihapus" in page
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(RegistrationAttempt)) == 1
    [entry] = audit_entries(session_factory, "buka_kunci_pendaftaran")
    assert json.loads(entry.detail) == {"resident_id": resident_id, "chat_id": NEW_CHAT,
                                        "attempts_deleted": 5}
    assert outbox(session_factory) == [(f"console-{entry.id}", NEW_CHAT, texts.CONSOLE_UNLOCKED)]
    page = post_resident(client, resident_id, "buka-kunci", chat_id=NEW_CHAT)
    assert "tidak sedang gagal mendaftar" in page
