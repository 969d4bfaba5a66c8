"""Letter requests in the chat (services/letter_service) on the seeded demo village, no broker."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select, update

from libs.config import Settings
from libs.contracts import Command
from libs.siades.bot_models import LetterDraft, LetterStatusSeen
from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import format_ids
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.letter_service.handlers import handle
from tests.support import current_sqlite

NOW = datetime(2026, 11, 28, 6, 0, 0)  # 13:00 in Jombang
SETTINGS = Settings()
CHAT = 41


@pytest.fixture
def say(session_factory):
    """Type `text` in chat CHAT (parsed as the gateway would); return the reply."""
    counter = iter(range(1, 10_000))

    def say(text: str, chat_id: int = CHAT):
        parsed = parse_text(text)
        command = Command(message_id=f"tg-{next(counter)}", update_id=1, service=parsed.service,
                          action=parsed.action, chat_id=chat_id, user_id=chat_id,
                          args=parsed.args)
        handler = handle if parsed.service == "letter" else handle_data
        with session_factory.begin() as session:
            [reply] = handler(command, session, SETTINGS, NOW)
        return reply

    return say


@pytest.fixture
def tap(session_factory):
    """Tap the inline button `data` on bot message `message_id` in chat CHAT; every reply
    (the callback answer first)."""
    counter = iter(range(5_000, 10_000))

    def tap(data: str, message_id: int = 500, chat_id: int = CHAT):
        parsed = parse_text(data)
        number = next(counter)
        command = Command(message_id=f"tg-{number}", update_id=number, service=parsed.service,
                          action=parsed.action, chat_id=chat_id, user_id=chat_id,
                          args=parsed.args, callback_query_id=f"cb{number}",
                          callback_message_id=message_id)
        with session_factory.begin() as session:
            return handle(command, session, SETTINGS, NOW)

    return tap


def methods(replies) -> list[str]:
    return [r.method for r in replies]


def buttons(reply) -> list[str]:
    rows = (reply.reply_markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def set_status(session_factory, status: int, note: str | None = None) -> None:
    """As the office would, in our console or OpenSID's admin: the request's new status."""
    with session_factory.begin() as session:
        session.execute(update(LetterRequest).values(status=status, note=note))


@pytest.fixture
def resident(say):
    nik, no_kk, _ = DEMO_RESIDENTS["head"]
    assert "berhasil" in say(f"DAFTAR#{nik}#{no_kk}").text


def requests_of(session_factory) -> list[LetterRequest]:
    with session_factory() as session:
        return list(session.scalars(select(LetterRequest).order_by(LetterRequest.id)))


def test_letters_need_registration(say):
    assert "belum terdaftar" in say("SKD#Kantor Kecamatan#Beasiswa").text
    assert "tidak dikenali" in say("apa kabar").text


def test_a_one_line_request_is_an_opensid_request_row(say, resident, session_factory):
    reply = say("SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal")
    [request] = requests_of(session_factory)
    assert f"nomor <b>{request.id}</b> berhasil diajukan, silakan menunggu notifikasi" in (
        reply.text)
    assert request.status == 1 and request.requirements == "[]" and request.phone
    assert json.loads(request.form) == {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI",
                                        "kegunaan": "Pengajuan Pinjaman Modal"}
    assert request.created_at == datetime(2026, 11, 28, 13, 0, 0)  # local time, as OpenSID
    with session_factory() as session:
        assert format_ids(session)["SKU"] == request.format_id
        assert session.get(LetterStatusSeen, request.id).status == 1  # no "new status" message


@pytest.mark.parametrize("text, named", [
    ("SKU#Peternakan Ayam#Bank BNI", "Kegunaan surat</b> belum diisi"),
    ("SKU##Bank BNI#Modal", "Bentuk usaha</b> belum diisi"),
    ("SKD#Kantor#Beasiswa#lagi", "terlalu banyak"),
    ("SKCK#ab#Melamar Kerja", "Tujuan surat</b> terlalu pendek"),
    ("SKD#" + "x" * 201 + "#Beasiswa", "Tujuan surat</b> terlalu panjang"),
])
def test_each_field_is_checked_and_named(say, resident, session_factory, text, named):
    assert named in say(text).text
    assert requests_of(session_factory) == []


def test_only_one_request_in_process(say, resident, session_factory):
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    refusal = say("SKCK#Polsek Jogoroto#Melamar Pekerjaan")
    assert "masih memiliki permohonan <b>Surat Keterangan Domisili</b>" in refusal.text
    assert "28 November 2026" in refusal.text
    assert len(requests_of(session_factory)) == 1


def test_status_and_cancel_with_confirmation(say, tap, resident, session_factory):
    assert "belum pernah mengajukan surat atau mengirim aduan" in say("Status").text
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    assert "Sedang Diperiksa" in say("Status").text
    # `Batal` asks first, naming the request: kind, number, state
    ask = say("Batal")
    assert ("Batalkan permohonan <b>Surat Keterangan Domisili</b> nomor <b>1</b> (diajukan "
            "28 November 2026, saat ini <b>Sedang Diperiksa</b>)?") in ask.text
    assert buttons(ask) == ["AJUKAN BATALKAN 1", "AJUKAN LANJUTKAN 1"]
    assert requests_of(session_factory)[0].status == 1  # nothing cancelled yet

    kept = tap("AJUKAN LANJUTKAN 1", message_id=77)
    assert methods(kept) == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    assert "tidak dibatalkan dan tetap diproses" in kept[2].text
    assert kept[1].extra == {"message_id": 77} and kept[1].reply_markup is None
    assert requests_of(session_factory)[0].status == 1

    done = tap("AJUKAN BATALKAN 1", message_id=77)
    assert "telah dibatalkan" in done[2].text and methods(done)[1] == "editMessageReplyMarkup"
    [request] = requests_of(session_factory)
    assert request.status == 5 and "Telegram" in request.note
    status = say("Status").text
    assert "Dibatalkan</b>" in status and "Dibatalkan oleh Anda" in status
    assert "Tidak ada permohonan" in say("Batal").text
    assert "berhasil diajukan" in say("SKCK#Polsek Jogoroto#Melamar Pekerjaan").text


def test_a_spent_confirmation_says_what_became_of_the_request(say, tap, resident,
                                                              session_factory):
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    say("Batal")
    set_status(session_factory, 3)  # signed meanwhile
    late = tap("AJUKAN BATALKAN 1", message_id=80)
    assert methods(late) == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert late[0].text == "Permohonan 1 tidak dapat dibatalkan lagi: Siap Diambil."
    assert late[0].parse_mode is None
    assert requests_of(session_factory)[0].status == 3
    assert tap("AJUKAN BATALKAN 99")[0].text == "Permohonan ini tidak ditemukan."


def test_a_made_up_button_cannot_cancel_someone_elses_request(say, tap, resident,
                                                             session_factory):
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    wife_nik, wife_kk, _ = DEMO_RESIDENTS["wife"]
    assert "berhasil" in say(f"DAFTAR#{wife_nik}#{wife_kk}", chat_id=CHAT + 1).text
    for data in ("AJUKAN BATALKAN 1", "AJUKAN LENGKAPI 1", "Batal 1"):
        assert tap(data, chat_id=CHAT + 1)[0].text == "Permohonan ini tidak ditemukan."
    assert requests_of(session_factory)[0].status == 1


def test_batal_with_a_form_open_cancels_only_the_form(say, tap, resident, session_factory):
    # Given a guided form open, and then a request filed in one line
    say("AJUKAN SKD")
    assert "berhasil diajukan" in say("SKU#Peternakan Ayam#Bank BNI#Modal Usaha").text
    # When the resident types Batal
    assert say("Batal").text == "Pengisian permohonan dibatalkan."
    # Then the form is gone and the request untouched
    with session_factory() as session:
        assert session.get(LetterDraft, CHAT) is None
    assert requests_of(session_factory)[0].status == 1


def test_no_guided_form_starts_while_a_request_is_in_process(say, tap, resident,
                                                            session_factory):
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    # The first step says so (number and state) and offers the status and a cancellation
    [answer, refusal] = tap("AJUKAN SKU")
    assert "masih memiliki permohonan <b>Surat Keterangan Domisili</b> nomor <b>1</b>" in (
        refusal.text)
    assert "<b>Sedang Diperiksa</b>" in refusal.text
    assert buttons(refusal) == ["Status", "Batal 1"]
    with session_factory() as session:
        assert session.get(LetterDraft, CHAT) is None  # no questions asked in vain
    one_line = say("SKCK#Polsek Jogoroto#Melamar Pekerjaan")
    assert "nomor <b>1</b>" in one_line.text and buttons(one_line) == ["Status", "Batal 1"]
    # The offered cancellation asks for confirmation too
    [_, ask] = tap("Batal 1")
    assert "Batalkan permohonan" in ask.text and buttons(ask)[0] == "AJUKAN BATALKAN 1"
    assert len(requests_of(session_factory)) == 1 and requests_of(session_factory)[0].status == 1


def test_a_signed_letter_cannot_be_cancelled(say, resident, session_factory):
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    with session_factory.begin() as session:
        session.execute(update(LetterRequest).values(status=3))
    assert "sudah ditandatangani" in say("Batal").text
    assert requests_of(session_factory)[0].status == 3


def test_the_guided_request_asks_each_field_then_sends(say, resident, session_factory):
    kinds = say("Surat")
    buttons = [b["callback_data"] for row in kinds.reply_markup["inline_keyboard"] for b in row]
    assert buttons == [f"AJUKAN {code}" for code in KINDS]

    assert "(1/3)" in say("AJUKAN SKU").text
    assert "terlalu pendek" in say("ab").text  # the same question again
    assert "(2/3)" in say("Toko Kelontong").text
    assert "(3/3)" in say("Bank BRI").text
    summary = say("Tambahan Modal Usaha")
    assert "Periksa permohonan" in summary.text and "Toko Kelontong" in summary.text
    rows = summary.reply_markup["inline_keyboard"]
    assert rows[0] == [{"text": "Kirim", "callback_data": "AJUKAN KIRIM"}]

    assert "(2/3)" in say("AJUKAN UBAH tujuan").text  # change one field
    assert "Bank Jatim" in say("Bank Jatim").text
    assert "berhasil diajukan" in say("AJUKAN KIRIM").text
    assert "Pengisian ini sudah selesai" in say("AJUKAN KIRIM").text  # typed again
    [request] = requests_of(session_factory)
    assert json.loads(request.form)["tujuan"] == "Bank Jatim"
    with session_factory() as session:
        assert session.get(LetterDraft, CHAT) is None
    assert "tidak dikenali" in say("Bank Jatim").text  # no question open any more


def test_a_guided_request_survives_anything_in_between_and_can_be_cancelled(
        say, resident, session_factory):
    say("AJUKAN SKD")
    assert "Biodata Penduduk" in say("Biodata").text  # another service meanwhile
    assert "(2/2)" in say("Kantor Kecamatan").text
    assert "dibatalkan" in say("Batal").text  # cancels the draft, not a request
    assert requests_of(session_factory) == []


def test_the_buttons_of_a_sent_form_are_spent(say, tap, resident, session_factory):
    say("AJUKAN SKCK")
    say("Polsek Jogoroto")
    say("Melamar Pekerjaan")
    sent = tap("AJUKAN KIRIM", message_id=90)
    # Sent: the summary's keyboard is taken off
    assert methods(sent) == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    assert sent[0].text == "" and sent[1].extra == {"message_id": 90}
    # An old Kirim (a second tap before the keyboard went) says what happened, not "no form"
    again = tap("AJUKAN KIRIM", message_id=90)
    assert methods(again) == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert again[0].text == ("Pengisian ini sudah selesai. Permohonan terakhir Anda: nomor 1, "
                             "Surat Pengantar SKCK, Sedang Diperiksa.")
    assert "Tidak ada pengisian" not in again[0].text
    for data in ("AJUKAN UBAH tujuan", "AJUKAN BATAL"):
        assert tap(data)[0].text.startswith("Pengisian ini sudah selesai")
    assert len(requests_of(session_factory)) == 1


def test_a_change_button_spends_the_summary_it_was_on(say, tap, resident):
    say("AJUKAN SKD")
    say("Kantor Kecamatan")
    say("Persyaratan Beasiswa")
    change = tap("AJUKAN UBAH tujuan", message_id=91)
    assert methods(change) == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    assert "(1/2)" in change[2].text
    cancel = tap("AJUKAN BATAL", message_id=92)
    assert cancel[2].text == "Pengisian permohonan dibatalkan."
    assert methods(cancel)[1] == "editMessageReplyMarkup"


def test_a_returned_request_is_completed_in_the_chat_and_resubmitted(say, tap, resident,
                                                                    session_factory):
    say("SKU#Toko#Bank BRI#Modal Usaha")
    [before] = requests_of(session_factory)
    set_status(session_factory, 0, "Tujuan surat harus nama bank lengkap")
    # Status says what is missing and how to complete it
    status = say("Status")
    assert "Belum Lengkap</b>" in status.text
    assert "Perlu dilengkapi: Tujuan surat harus nama bank lengkap" in status.text
    assert buttons(status) == ["AJUKAN LENGKAPI 1"]
    # No new request meanwhile: the refusal offers to complete this one
    refusal = say("SKD#Kantor Kecamatan#Beasiswa")
    assert "dikembalikan kantor desa untuk dilengkapi" in refusal.text
    assert buttons(refusal) == ["AJUKAN LENGKAPI 1", "Batal 1"]

    [_, summary] = tap("AJUKAN LENGKAPI 1")
    assert "Lengkapi permohonan nomor 1" in summary.text and "Bank BRI" in summary.text
    assert "Perlu dilengkapi menurut kantor desa: Tujuan surat" in summary.text
    with session_factory() as session:
        assert session.get(LetterDraft, CHAT).request_id == 1
    assert "(2/3)" in tap("AJUKAN UBAH tujuan")[-1].text
    assert "Bank Rakyat Indonesia" in say("Bank Rakyat Indonesia").text
    sent = tap("AJUKAN KIRIM")
    assert "sudah dilengkapi dan dikirim kembali" in sent[-1].text

    [after] = requests_of(session_factory)  # the same row, not a new request
    assert after.id == before.id and after.status == 1
    assert json.loads(after.form)["tujuan"] == "Bank Rakyat Indonesia"
    assert after.updated_at == datetime(2026, 11, 28, 13, 0, 0)  # local time
    with session_factory() as session:
        assert session.get(LetterDraft, CHAT) is None
        assert session.get(LetterStatusSeen, 1).status == 1  # the watcher does not repeat it
    # The button again, now spent
    late = tap("AJUKAN LENGKAPI 1")
    assert late[0].text == "Permohonan 1 tidak perlu dilengkapi lagi: Sedang Diperiksa."


def test_batal_while_completing_cancels_the_form_and_keeps_the_request(say, tap, resident,
                                                                      session_factory):
    say("SKU#Toko#Bank BRI#Modal Usaha")
    set_status(session_factory, 0, "Lengkapi")
    tap("AJUKAN LENGKAPI 1")
    assert say("Batal").text == "Pengisian permohonan dibatalkan."
    assert requests_of(session_factory)[0].status == 0


def test_a_rejection_reads_as_one_in_status(say, resident, session_factory):
    say("SKU#Toko#Bank BRI#Modal Usaha")
    set_status(session_factory, 5, "Usaha tidak berada di desa ini")
    status = say("Status").text
    assert "Ditolak</b>" in status and "Alasan penolakan: Usaha tidak berada" in status


def test_a_returned_request_is_resubmitted_as_opensid_23_12_keeps_it(tmp_path):
    """On the newer generation the format's own fields are rewritten from the answers."""
    engine = make_engine(f"sqlite:///{tmp_path / 'current.db'}")
    current_sqlite.build(engine)
    sessions = current_sqlite.CurrentDatabase(str(engine.url), engine).sessions()
    counter = iter(range(1, 100))

    def chat(text: str, tapped: bool = False):
        parsed = parse_text(text)
        number = next(counter)
        command = Command(message_id=f"tg-{number}", update_id=number, service=parsed.service,
                          action=parsed.action, chat_id=CHAT, user_id=CHAT, args=parsed.args,
                          callback_query_id=f"cb{number}" if tapped else None)
        handler = handle if parsed.service == "letter" else handle_data
        with sessions.begin() as session:
            return handler(command, session, SETTINGS, NOW)[-1].text

    nik, no_kk, _ = DEMO_RESIDENTS["head"]
    chat(f"DAFTAR#{nik}#{no_kk}")
    chat("SKU#Peternakan Ayam#Bank BNI#Pinjaman Modal")
    with sessions.begin() as session:
        session.execute(update(LetterRequest).values(status=0, note="Sebutkan cabang bank"))
    assert "Lengkapi permohonan nomor 1" in chat("AJUKAN LENGKAPI 1", tapped=True)
    chat("AJUKAN UBAH tujuan", tapped=True)
    chat("Bank BNI Cabang Jombang")
    assert "dikirim kembali" in chat("AJUKAN KIRIM", tapped=True)
    with sessions() as session:
        request = session.scalars(select(LetterRequest)).one()
        form, state = json.loads(request.form), (request.status, request.config_id)
    assert state == (1, 1)
    assert form["keperluan"] == "Pinjaman Modal (ditujukan kepada Bank BNI Cabang Jombang)"
    assert form["nama_usaha"] == "Peternakan Ayam" and form["url_surat"] == "surat-keterangan-usaha"
    engine.dispose()
