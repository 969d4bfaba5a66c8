"""Letter requests in the chat (services/letter_service) on the seeded demo village, no broker."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select, update

from libs.config import Settings
from libs.contracts import Command
from libs.siades.bot_models import LetterDraft, LetterStatusSeen
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import format_ids
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.letter_service.handlers import handle

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


def test_status_and_cancel(say, resident, session_factory):
    assert "belum pernah mengajukan" in say("Status").text
    say("SKD#Kantor Kecamatan#Persyaratan Beasiswa")
    assert "Sedang Diperiksa" in say("Status").text
    assert "telah dibatalkan" in say("Batal").text
    [request] = requests_of(session_factory)
    assert request.status == 5 and "Telegram" in request.note
    assert "Dibatalkan" in say("Status").text
    assert "Tidak ada permohonan" in say("Batal").text
    assert "berhasil diajukan" in say("SKCK#Polsek Jogoroto#Melamar Pekerjaan").text


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
