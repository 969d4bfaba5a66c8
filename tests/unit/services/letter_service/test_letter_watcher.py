"""The status watcher (services/letter_service/watcher.py) on SQLite, with a recording publisher:
direct SQL changes are told once, restarts neither repeat nor miss."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select, text

from libs import texts
from libs.siades.bot_models import LetterDocument, LetterTransition
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import letter_form
from libs.siades.letter_kinds import KINDS
from libs.siades.models import Resident
from services.letter_service import letter_requests
from services.letter_service.watcher import note_change, watch_once
from tests.support.recording import RecordingPublisher as Recorder

CHAT = 6101
NOW = datetime(2026, 11, 28, 6, 0, 0)


@pytest.fixture
def request_id(session_factory):
    """A request filed from the chat by a linked resident (status 1, already told)."""
    with session_factory.begin() as session:
        resident = session.scalar(select(Resident).where(
            Resident.nik == DEMO_RESIDENTS["head"][0]))
        resident.telegram = str(CHAT)
        filed = letter_requests.submit(session, resident, letter_form(session, KINDS["SKD"]),
                                {"tujuan": "Kantor Kecamatan", "kegunaan": "Beasiswa"}, NOW, NOW)
        return filed.id


def set_status(session_factory, request_id: int, status: int, note: str | None = None) -> None:
    """As OpenSID's admin pages (or anyone) would: a plain UPDATE."""
    with session_factory.begin() as session:
        session.execute(text("UPDATE permohonan_surat SET status = :s, keterangan = :n "
                             "WHERE id = :id"), {"s": status, "n": note, "id": request_id})


def test_a_request_filed_in_the_chat_is_not_told_again(session_factory, request_id):
    publisher = Recorder()
    assert watch_once(session_factory, publisher) == 0
    assert publisher.published == []


def test_a_direct_status_change_is_told_once(session_factory, request_id):
    publisher = Recorder()
    set_status(session_factory, request_id, 2)
    assert watch_once(session_factory, publisher) == 1
    [message] = publisher.published
    assert message.chat_id == CHAT
    assert f"nomor <b>{request_id}</b>: <b>Menunggu Tandatangan</b>" in message.text
    assert watch_once(session_factory, publisher) == 0  # no repeat
    assert len(publisher.published) == 1
    with session_factory() as session:
        moves = [(t.from_status, t.to_status) for t in session.scalars(
            select(LetterTransition).where(LetterTransition.request_id == request_id)
            .order_by(LetterTransition.id))]
    assert moves == [(None, 1), (1, 2)]


def told(session_factory) -> list:
    """What one look of the watcher sends."""
    publisher = Recorder()
    watch_once(session_factory, publisher)
    return publisher.published


def issue(session_factory, request_id: int) -> None:
    """The letter our console signed for the request (its PDF)."""
    with session_factory.begin() as session:
        session.add(LetterDocument(request_id=request_id, letter_log_id=1, number="S-41/001/X",
                                   file_name="SKD-001.pdf", pdf=b"%PDF-1.4", token="t",
                                   issued_by=1, issued_at=NOW))


def test_a_rejection_says_rejected_with_its_reason_and_the_next_step(session_factory,
                                                                     request_id):
    set_status(session_factory, request_id, 5, "Foto KTP <buram>")
    [message] = told(session_factory)
    assert f"nomor <b>{request_id}</b>: <b>Ditolak</b>." in message.text
    assert "Kantor desa <b>menolak</b> permohonan ini" in message.text
    assert "Alasan: Foto KTP &lt;buram&gt;" in message.text
    assert "permohonan baru dengan isian yang sudah diperbaiki" in message.text
    assert "Dibatalkan" not in message.text and "dibatalkan" not in message.text


def test_the_residents_own_cancellation_is_said_as_such(session_factory, request_id):
    set_status(session_factory, request_id, 5, texts.LETTER_CANCEL_NOTE)  # say, a 2nd device
    [message] = told(session_factory)
    assert "<b>Dibatalkan</b>." in message.text and "telah Anda batalkan" in message.text
    assert "Alasan" not in message.text


def test_a_withdrawn_letter_says_its_pdf_is_no_longer_valid(session_factory, request_id):
    issue(session_factory, request_id)
    set_status(session_factory, request_id, 3)
    told(session_factory)
    with session_factory.begin() as session:
        session.get(LetterDocument, request_id).revoked_reason = "Salah nama <usaha>"
    set_status(session_factory, request_id, 5)
    [message] = told(session_factory)
    assert "<b>Dicabut</b>." in message.text and "<b>dicabut</b> oleh kantor desa" in message.text
    assert "Alasan: Salah nama &lt;usaha&gt;" in message.text
    assert "PDF yang sudah Anda terima tidak berlaku lagi" in message.text


def test_a_signed_letter_comes_with_its_pdf_which_is_valid_by_itself(session_factory,
                                                                    request_id):
    issue(session_factory, request_id)
    set_status(session_factory, request_id, 3)
    message, document = told(session_factory)
    assert "Siap Diambil" in message.text
    assert "PDF itu adalah surat yang sah" in message.text
    assert "Anda tidak perlu ke kantor desa" in message.text
    assert "bila instansi tujuan meminta surat asli" in message.text
    assert document.method == "sendDocument" and "S-41/001/X" in document.text
    assert "sah dalam bentuk PDF ini" in document.text
    assert document.document == {"letter_request_id": request_id, "file_name": "SKD-001.pdf"}


def test_a_letter_signed_elsewhere_is_collected_at_the_office(session_factory, request_id):
    set_status(session_factory, request_id, 3)  # OpenSID's admin: no PDF of ours
    [message] = told(session_factory)
    assert "siap diambil di kantor desa. Bawa KTP" in message.text


def test_a_returned_request_says_what_is_missing_with_a_button_to_complete_it(
        session_factory, request_id):
    set_status(session_factory, request_id, 0, "Tujuan surat <kurang jelas>")
    [message] = told(session_factory)
    assert "<b>Belum Lengkap</b>" in message.text
    assert "Perlu dilengkapi: Tujuan surat &lt;kurang jelas&gt;" in message.text
    assert message.reply_markup == {"inline_keyboard": [[
        {"text": "Lengkapi permohonan", "callback_data": f"AJUKAN LENGKAPI {request_id}"}]]}


def test_opensids_own_message_to_the_resident_is_read_from_komentar(session_factory,
                                                                   request_id):
    # OpenSID's admin (kirim_pesan) writes its message into `komentar`, not keterangan
    with session_factory.begin() as session:
        session.execute(text(
            "CREATE TABLE komentar (id INTEGER PRIMARY KEY, owner VARCHAR(50), "
            "komentar TEXT NOT NULL, status TINYINT, tipe TINYINT, permohonan TEXT)"))
        session.execute(text(
            "INSERT INTO komentar (owner, komentar, status, tipe, permohonan) VALUES "
            "('BUDI', 'Pertanyaan warga', 1, 1, :id), ('BUDI', 'Lampirkan foto KK', 2, 2, :id)"),
            {"id": str(request_id)})
    set_status(session_factory, request_id, 0)
    [message] = told(session_factory)
    assert "Perlu dilengkapi: Lampirkan foto KK" in message.text


def test_a_change_stored_but_not_published_goes_out_at_the_next_look(session_factory,
                                                                     request_id):
    set_status(session_factory, request_id, 2)
    stored = note_change(session_factory, request_id, 2, 1, NOW)  # then the watcher died
    assert len(stored) == 1
    publisher = Recorder()
    assert watch_once(session_factory, publisher) == 0  # the change itself is known
    assert [m.message_id for m in publisher.published] == [stored[0].message_id]
    assert watch_once(session_factory, publisher) == 0
    assert len(publisher.published) == 1


def test_a_second_watcher_racing_for_a_change_sends_nothing(session_factory, request_id):
    set_status(session_factory, request_id, 4)
    assert len(note_change(session_factory, request_id, 4, 1, NOW)) == 1
    assert note_change(session_factory, request_id, 4, 1, NOW) == []


def test_a_request_made_elsewhere_is_remembered_silently(session_factory, request_id):
    with session_factory.begin() as session:
        session.execute(text(
            "INSERT INTO permohonan_surat (id_pemohon, id_surat, isian_form, status, "
            "no_hp_aktif, syarat) SELECT id_pemohon, id_surat, :form, 1, '-', '[]' "
            "FROM permohonan_surat WHERE id = :id"), {"form": json.dumps({}), "id": request_id})
    publisher = Recorder()
    assert watch_once(session_factory, publisher) == 0
    assert publisher.published == []
