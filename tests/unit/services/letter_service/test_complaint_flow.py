"""Complaints in the chat (services/letter_service/complaints) on the seeded demo village."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from libs.config import Settings
from libs.contracts import Command, decode_outgoing, encode
from libs.siades.bot_models import Complaint, ComplaintDraft, ReceivedFile
from libs.siades.complaints import Pengaduan
from libs.siades.demo import DEMO_RESIDENTS
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import attachment, parse_text
from services.letter_service.complaints import records
from services.letter_service.handlers import handle

NOW = datetime(2026, 11, 28, 6, 0, 0)  # 13:00 in Jombang
SETTINGS = Settings()
CHAT = 41
TEXT = "Lampu jalan di depan masjid RT 02 mati sejak seminggu, jalan gelap sekali."
PHOTO = {"type": "photo", "file_id": "AgAD-photo", "file_unique_id": "uq-photo",
         "file_size": 120_000}
HERE = {"type": "location", "latitude": -7.5512, "longitude": 112.2334}


@pytest.fixture
def send(session_factory):
    """The resident sends `text` (parsed as the gateway would), a button's `data` (tapped on
    message 500), or an `attachment`; every reply, the callback answer first for a tap."""
    counter = iter(range(1, 10_000))

    def send(text: str = "", *, tap: str | None = None, carried: dict | None = None,
             chat_id: int = CHAT, now: datetime = NOW):
        number = next(counter)
        parsed = attachment() if carried else parse_text(tap or text)
        extra = {"callback_query_id": f"cb{number}", "callback_message_id": 500} if tap else {}
        command = Command(message_id=f"tg-{number}", update_id=number, service=parsed.service,
                          action=parsed.action, chat_id=chat_id, user_id=chat_id,
                          args=parsed.args, text=tap or text, attachment=carried, **extra)
        handler = handle if parsed.service == "letter" else handle_data
        with session_factory.begin() as session:
            return handler(command, session, SETTINGS, now)

    return send


def said(replies) -> str:
    """The text of the last message sent (not the callback answer, not a keyboard edit)."""
    return [r for r in replies if r.method == "sendMessage"][-1].text


def buttons(replies) -> list[str]:
    markup = [r for r in replies if r.method == "sendMessage"][-1].reply_markup or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b.get("callback_data", b["text"]) for row in rows for b in row]


@pytest.fixture
def resident(send):
    nik, no_kk, _ = DEMO_RESIDENTS["head"]
    assert "berhasil" in said(send(f"DAFTAR#{nik}#{no_kk}"))


def complaints_of(session_factory) -> list[Complaint]:
    with session_factory() as session:
        return list(session.scalars(select(Complaint).order_by(Complaint.id)))


def pengaduan_rows(session_factory) -> list[Pengaduan]:
    with session_factory() as session:
        return list(session.scalars(select(Pengaduan).order_by(Pengaduan.id)))


def test_the_guided_complaint_with_photo_and_location_becomes_a_public_pengaduan(
        send, resident, session_factory):
    assert "(1/4)" in said(send("Aduan"))
    replies = send(TEXT)
    assert "(2/4)" in said(replies) and "ADUAN LEWATI" in buttons(replies)
    replies = send(carried=PHOTO)
    fetch, question = replies
    assert fetch.method == "getFile" and fetch.extra["file_id"] == "AgAD-photo"
    assert fetch.extra["max_bytes"] == SETTINGS.complaint_photo_max_bytes
    assert decode_outgoing(encode(fetch)) == fetch  # the notifier takes it as it is
    assert "Foto diterima" in question.text and "(3/4)" in question.text
    assert question.reply_markup["keyboard"][0][0]["request_location"] is True
    assert "(4/4)" in said(send(carried=HERE))
    summary = send(tap="ADUAN PUBLIK")
    assert "Periksa aduan Anda" in said(summary) and "-7.55120, 112.23340" in said(summary)
    assert "ada (sedang disimpan)" in said(summary)
    done = said(send(tap="ADUAN KIRIM"))
    [complaint] = complaints_of(session_factory)
    assert f"A-{complaint.id}" in done and "publik" in done
    assert (complaint.public, complaint.status, complaint.body) == (True, 1, TEXT)
    assert (complaint.latitude, complaint.longitude) == (-7.5512, 112.2334)
    [row] = pengaduan_rows(session_factory)
    assert complaint.pengaduan_id == row.id and row.parent_id is None
    assert (row.body, row.status, row.name) == (TEXT, 1, DEMO_RESIDENTS["head"][2])
    assert row.created_at == datetime(2026, 11, 28, 13, 0, 0)  # local time, as OpenSID
    with session_factory() as session:
        photo = session.get(ReceivedFile, complaint.photo_id)
        assert (photo.file_unique_id, photo.state) == ("uq-photo", "pending")
        assert session.get(ComplaintDraft, CHAT) is None


def test_a_private_complaint_is_kept_out_of_pengaduan(send, resident, session_factory):
    send("Aduan")
    send(TEXT)
    send(tap="ADUAN LEWATI")
    send("lewati")  # the location keyboard's Lewati is typed text
    send(tap="ADUAN PRIVAT")
    assert "privat" in said(send(tap="ADUAN KIRIM"))
    [complaint] = complaints_of(session_factory)
    assert complaint.public is False and complaint.pengaduan_id is None
    assert complaint.photo_id is None and complaint.latitude is None
    assert pengaduan_rows(session_factory) == []


def test_the_one_line_form_asks_only_public_or_private(send, resident, session_factory):
    replies = send("ADUAN#Jalan berlubang#Jalan di RT 03 berlubang besar, motor sering jatuh.")
    assert "ADUAN PUBLIK" in buttons(replies) and "(1/4)" not in said(replies)
    assert "A-" in said(send(tap="ADUAN PUBLIK"))
    [complaint] = complaints_of(session_factory)
    assert (complaint.title, complaint.public) == ("Jalan berlubang", True)


@pytest.mark.parametrize("text, answer", [
    ("ADUAN#Lub#Jalan di RT 03 berlubang besar.", "Judul aduan harus 5 sampai 100"),
    ("ADUAN#Jalan rusak#pendek", "paling sedikit 10 huruf (tertulis 6)"),
    ("ADUAN#Jalan rusak", "Format aduan satu baris"),
    ("ADUAN#Jalan rusak#" + "x" * 1500, "paling banyak 1000 huruf (tertulis 1500)"),
])
def test_one_line_refusals_say_what_is_wrong(send, resident, session_factory, text, answer):
    assert answer in said(send(text))
    assert complaints_of(session_factory) == []


def test_a_long_text_is_refused_whole_not_cut(send, resident, session_factory):
    send("Aduan")
    replies = send("x" * 10_000)
    assert "tertulis 10000" in said(replies) and "(1/4)" in said(replies)
    with session_factory() as session:
        assert session.get(ComplaintDraft, CHAT).body is None  # still asking


def test_html_is_shown_as_text_and_kept_as_written(send, resident, session_factory):
    hostile = "<b>Tolong</b> <script>alert(1)</script> jalan rusak 🙏 parah"
    send("Aduan")
    send(hostile)
    send(tap="ADUAN LEWATI")
    send(tap="ADUAN LEWATI")
    summary = said(send(tap="ADUAN PUBLIK"))
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    send(tap="ADUAN KIRIM")
    [complaint] = complaints_of(session_factory)
    [row] = pengaduan_rows(session_factory)
    assert complaint.body == hostile
    assert row.body == "‹b›Tolong‹/b› ‹script›alert(1)‹/script› jalan rusak  parah"


@pytest.mark.parametrize("carried, answer", [
    ({"type": "document", "file_id": "d", "file_unique_id": "ud", "file_size": 5000,
      "mime_type": "application/pdf", "file_name": "surat.pdf"}, "bukan foto"),
    ({**PHOTO, "file_size": 30_000_000}, "Foto terlalu besar (28,6 MB; paling besar 5,0 MB)"),
    ({"type": "location", "latitude": 48.8584, "longitude": 2.2945}, "menunggu foto"),
])
def test_a_wrong_photo_is_refused_and_the_step_asked_again(
        send, resident, session_factory, carried, answer):
    send("Aduan")
    send(TEXT)
    replies = send(carried=carried)
    assert answer in said(replies) and "(2/4)" in said(replies)
    assert [r.method for r in replies] == ["sendMessage"]  # nothing downloaded
    with session_factory() as session:
        assert session.get(ComplaintDraft, CHAT).awaiting == "foto"


def test_an_image_sent_as_a_file_is_taken(send, resident):
    send("Aduan")
    send(TEXT)
    image = {"type": "document", "file_id": "f", "file_unique_id": "uf", "file_size": 900_000,
             "mime_type": "image/jpeg", "file_name": "IMG_2041.jpg"}
    assert [r.method for r in send(carried=image)] == ["getFile", "sendMessage"]


def test_a_location_abroad_is_refused(send, resident):
    send("Aduan")
    send(TEXT)
    send(tap="ADUAN LEWATI")
    replies = send(carried={"type": "location", "latitude": 48.8584, "longitude": 2.2945})
    assert "di luar Indonesia (48.85840, 2.29450)" in said(replies)
    assert "(3/4)" in said(replies)


def test_change_from_the_summary_then_back_to_it(send, resident, session_factory):
    send("Aduan")
    send(TEXT)
    send(tap="ADUAN LEWATI")
    send(tap="ADUAN LEWATI")
    send(tap="ADUAN PRIVAT")
    assert "(2/4)" in said(send(tap="ADUAN UBAH foto"))
    assert "Periksa aduan Anda" in said(send(carried=PHOTO))
    assert "Periksa aduan Anda" in said(send(tap="ADUAN PUBLIK"))  # unchanged: still summary
    assert "Tampil di situs desa: tidak, privat" in said(send(tap="ADUAN UBAH isi") and send(
        "Sebenarnya lampu jalan di RT 02 dan RT 03 mati semua."))


def test_the_draft_survives_and_batal_forgets_it(send, resident, session_factory):
    send("Aduan")
    send(TEXT)
    assert "dibatalkan" in said(send("Batal"))
    spent = send(tap="ADUAN LEWATI")  # a button of the draft that is gone: said over the chat
    assert [r.method for r in spent] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert "sudah dikirim atau dibatalkan" in spent[0].text
    assert complaints_of(session_factory) == []


def test_status_lists_complaints_beside_letters(send, resident, session_factory):
    send("ADUAN#Jalan berlubang#Jalan di RT 03 berlubang besar, motor sering jatuh.")
    send(tap="ADUAN PRIVAT")
    send("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    status = said(send("Status"))
    [complaint] = complaints_of(session_factory)
    assert "Permohonan surat Anda" in status and "Aduan Anda" in status
    assert f"A-{complaint.id}</b> Jalan berlubang: <b>Menunggu Diproses</b> (privat)" in status


def test_an_answer_shows_in_status(send, resident, session_factory):
    send("ADUAN#Jalan berlubang#Jalan di RT 03 berlubang besar, motor sering jatuh.")
    send(tap="ADUAN PUBLIK")
    with session_factory.begin() as session:
        complaint = session.scalar(select(Complaint))
        records.answer(session, complaint, author="Siti (operator)", staff_id=None,
                       body="Sudah kami teruskan ke dinas.", status=2,
                       local_now=datetime(2026, 11, 28, 14), utc_now=NOW + timedelta(hours=1))
    assert "Sedang Diproses</b> (publik)" in said(send("Status"))
    assert "1 tanggapan" in said(send("Status"))
    rows = pengaduan_rows(session_factory)
    assert [(r.parent_id, r.status) for r in rows] == [(None, 2), (rows[0].id, 2)]


def test_a_daily_limit_per_resident(send, resident, session_factory):
    for number in range(records.PER_DAY):
        send(f"ADUAN#Aduan nomor {number}#Isi aduan yang cukup panjang nomor {number}.")
        send(tap="ADUAN PRIVAT")
    assert "sudah mengirim 5 aduan" in said(send("Aduan"))
    later = NOW + timedelta(days=1, minutes=1)
    assert "(1/4)" in said(send("Aduan", now=later))


def test_a_photo_unasked_is_explained(send, resident):
    assert "Ketik <b>Aduan</b>" in said(send(carried=PHOTO))


def test_complaints_need_registration(send):
    assert "belum terdaftar" in said(send("Aduan"))
