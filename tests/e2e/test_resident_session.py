"""One resident's whole session, every component a real process.

telegram_sim -> gateway (gunicorn) -> RabbitMQ -> data_service / letter_service -> notifier
-> telegram_sim, on the seeded demo village in SQLite.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS
from tests.support.system import System

HEAD_NIK, HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]
DEAD_NIK, DEAD_KK, _ = DEMO_RESIDENTS["dead"]


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = System(amqp_url, sqlite_url, tmp_path).start()
    yield system
    system.stop()


def keyboard_texts(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("keyboard", []) for button in row]


def test_a_residents_whole_session(system):
    user = 7001
    # Given a resident who has not registered yet
    welcome = system.ask(user, "/start")
    assert "belum terhubung" in welcome["text"]
    assert keyboard_texts(welcome) == ["Daftar"]
    assert "belum terdaftar" in system.ask(user, "Biodata")["text"]
    how_to = system.ask(user, "Daftar")["text"]
    assert "DAFTAR#NIK#No KK" in how_to and "bagian atas Kartu Keluarga" in how_to
    # The syntax line copied as it is: help, and no attempt spent
    assert "tidak dihitung" in system.ask(user, "DAFTAR#NIK#No KK")["text"]

    # When they register with a NIK and a No KK that belong together
    done = system.ask(user, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    assert "Pendaftaran berhasil" in done["text"] and HEAD_NAME in done["text"]
    assert keyboard_texts(done) == ["Biodata", "Keluarga", "Surat", "PKH", "BPNT", "KIS",
                                    "Aduan", "Status"]
    assert HEAD_NIK not in done["text"]  # masked

    # Then every data service answers with their own data
    greeting = system.ask(user, "Menu")
    assert f"Selamat datang, <b>{HEAD_NAME}</b>" in greeting["text"]

    bio = system.ask(user, "Biodata")["text"]
    assert HEAD_NAME in bio and f"{HEAD_NIK[:4]}**********{HEAD_NIK[-2:]}" in bio
    assert HEAD_NIK not in bio
    for label in ("Tempat/Tgl Lahir", "Agama", "Pekerjaan", "Alamat"):
        assert label in bio

    family = system.ask(user, "Keluarga")["text"]
    lines = [line for line in family.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert lines[0].startswith(f"1. {HEAD_NAME} – KEPALA KELUARGA")
    assert DEMO_RESIDENTS["dead"][2] not in family  # only living members
    assert HEAD_KK not in family

    # The demo's programs ran through 2025: said as ended, with the dates, not as current
    for command in ("PKH", "/bpnt"):
        answer = system.ask(user, command)["text"]
        assert "bukan penerima saat ini" in answer
        assert "periode 1 Januari 2025 s.d. 31 Desember 2025 (sudah berakhir)" in answer
    assert "tidak terdaftar" in system.ask(user, "KIS")["text"]
    assert "tidak dikenali" in system.ask(user, "apa kabar?")["text"]
    kinds = system.ask(user, "Surat")
    assert "Surat Keterangan Usaha" in kinds["text"]
    buttons = [b["callback_data"] for row in kinds["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["AJUKAN SKU", "AJUKAN SKD", "AJUKAN SKCK", "AJUKAN SKBPN", "AJUKAN SKUM"]
    assert "SKU#Peternakan Ayam" in system.ask(user, "SKU")["text"]

    # A tap on an inline button is answered (the spinner stops) and starts the guided request
    query_id = system.tap(user, "AJUKAN SKCK")
    assert "(1/2)" in system.messages(user, wait=15)[0]["text"]
    answers = [c for c in system.calls() if c["method"] == "answerCallbackQuery"]
    assert [a["params"]["callback_query_id"] for a in answers] == [query_id]
    assert "(2/2)" in system.ask(user, "Polsek Jogoroto")["text"]
    assert "Periksa permohonan" in system.ask(user, "Melamar Pekerjaan")["text"]
    system.tap(user, "AJUKAN KIRIM")
    assert "berhasil diajukan" in system.messages(user, wait=15)[0]["text"]
    assert "Sedang Diperiksa" in system.ask(user, "Status")["text"]

    # And the bot never made a call that Telegram would refuse
    calls = system.calls()
    assert calls and all(c["status"] == 200 for c in calls), calls


def buttons_of(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def request_number(text: str) -> str:
    return re.search(r"nomor <b>(\d+)</b> berhasil diajukan", text).group(1)


def test_cancelling_asks_first_and_spent_buttons_say_what_happened(system):
    user = 7020
    system.ask(user, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    # A guided form sent with Kirim: the summary's keyboard goes once it is spent
    system.ask(user, "Surat")  # the kinds, a button each
    system.tap(user, "AJUKAN SKD")
    system.messages(user, wait=15)
    system.ask(user, "Kantor Kecamatan")
    summary = system.ask(user, "Persyaratan Beasiswa")
    system.tap(user, "AJUKAN KIRIM", summary["message_id"])
    number = request_number(system.messages(user, wait=15)[0]["text"])
    wait_until(lambda: "reply_markup" not in edited(system, user, summary["message_id"]))

    # Trap 1: with that request under review, a letter button does not start a form ...
    system.tap(user, "AJUKAN SKU")
    [refusal] = system.messages(user, wait=15)
    assert f"nomor <b>{number}</b>" in refusal["text"] and "Sedang Diperiksa" in refusal["text"]
    assert buttons_of(refusal) == ["Status", f"Batal {number}"]
    assert "Anda tidak dikenali" not in refusal["text"]
    # ... and Batal asks, naming the request, before anything is cancelled
    ask = system.ask(user, "Batal")
    assert f"Batalkan permohonan <b>Surat Keterangan Domisili</b> nomor <b>{number}</b>" in (
        ask["text"])
    assert "Sedang Diperiksa" in system.ask(user, "Status")["text"]
    system.tap(user, f"AJUKAN BATALKAN {number}", ask["message_id"])
    assert "telah dibatalkan" in system.messages(user, wait=15)[0]["text"]

    # Trap 2: an old Kirim (its form cancelled by typing Batal) says what happened, and goes
    system.tap(user, "AJUKAN SKCK")
    system.messages(user, wait=15)
    system.ask(user, "Polsek Jogoroto")
    old = system.ask(user, "Melamar Pekerjaan")
    assert system.ask(user, "Batal")["text"] == "Pengisian permohonan dibatalkan."
    query = system.tap(user, "AJUKAN KIRIM", old["message_id"])
    answer = system.callback_answer(query)
    assert answer["text"] == (f"Pengisian ini sudah selesai. Permohonan terakhir Anda: nomor "
                              f"{number}, Surat Keterangan Domisili, Dibatalkan.")
    wait_until(lambda: "reply_markup" not in edited(system, user, old["message_id"]))
    assert system.messages(user, wait=2) == []  # no message in the chat: the answer says it

    calls = system.calls()
    edits = [c for c in calls if c["method"] == "editMessageReplyMarkup"]
    assert len(edits) >= 3 and all(c["status"] == 200 for c in calls), calls


def test_a_returned_request_is_completed_in_the_chat(system, sqlite_url):
    user = 7030
    system.ask(user, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    number = request_number(system.ask(user, "SKU#Toko#Bank BRI#Modal Usaha")["text"])
    # The office returns it (as the console's "Kembalikan" does: status 0, what is missing)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE permohonan_surat SET status = 0, keterangan = "
                                "'Sebutkan nama bank lengkap' WHERE id = :id"), {"id": number})
    [told] = system.messages(user, wait=15)
    assert "Belum Lengkap" in told["text"] and "Sebutkan nama bank lengkap" in told["text"]
    assert buttons_of(told) == [f"AJUKAN LENGKAPI {number}"]
    system.tap(user, f"AJUKAN LENGKAPI {number}", told["message_id"])
    [summary] = system.messages(user, wait=15)
    assert f"Lengkapi permohonan nomor {number}" in summary["text"]
    system.tap(user, "AJUKAN UBAH tujuan", summary["message_id"])
    system.messages(user, wait=15)
    fixed = system.ask(user, "Bank Rakyat Indonesia")
    system.tap(user, "AJUKAN KIRIM", fixed["message_id"])
    assert "dikirim kembali" in system.messages(user, wait=15)[0]["text"]
    with engine.connect() as connection:
        row = connection.execute(text("SELECT COUNT(*), MAX(status), MAX(isian_form) "
                                      "FROM permohonan_surat")).one()
    engine.dispose()
    assert row[0] == 1 and row[1] == 1 and "Bank Rakyat Indonesia" in row[2]
    assert system.messages(user, wait=4) == []  # the watcher does not tell it again


def edited(system: System, user: int, message_id: int) -> dict:
    """The bot's message as the resident's app shows it now (after edits)."""
    entries = requests.get(f"{system.sim}/sim/conversation", timeout=10,
                           params={"chat_id": user}).json()["messages"]
    return [e["message"] for e in entries if e["message_id"] == message_id][-1]


def wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_refusals_and_the_lockout(system):
    user = 7002
    wrong_kk = system.ask(user, f"DAFTAR#{HEAD_NIK}#{DEAD_KK[:-1]}9")["text"]
    dead = system.ask(user, f"DAFTAR#{DEAD_NIK}#{DEAD_KK}")["text"]
    # A wrong pair and a dead resident get the same answer: nothing is revealed.
    assert wrong_kk.replace("4 kali", "N") == dead.replace("3 kali", "N")
    assert "16 angka" in system.ask(user, "DAFTAR#123#456")["text"]  # format: not counted
    for _ in range(3):
        last = system.ask(user, f"DAFTAR#{HEAD_NIK}#3517090000000000")["text"]
    assert "dikunci sampai" in last
    # Locked: even the right pair is refused for the rest of the window.
    assert "dikunci sampai" in system.ask(user, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")["text"]

    other = 7003
    assert "Pendaftaran berhasil" in system.ask(other, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")["text"]
    assert "sudah terhubung" in system.ask(other, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")["text"]
    wife_nik, wife_kk, _ = DEMO_RESIDENTS["wife"]
    assert "Pendaftaran berhasil" in system.ask(7004, f"DAFTAR#{wife_nik}#{wife_kk}")["text"]
    # One account per resident: a third account cannot take the head's registration, and
    # is told exactly what a wrong pair is told.
    linked = system.ask(7005, f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")["text"]
    assert linked == system.ask(7006, f"DAFTAR#{wife_nik}#3517090000000001")["text"]
    assert "Sisa kesempatan: 4 kali" in linked


def test_one_nik_guessed_from_many_accounts_is_locked_and_the_office_told(system, sqlite_url):
    nik = DEMO_RESIDENTS["no_program"][0]
    replies = [system.ask(chat, f"DAFTAR#{nik}#{DEAD_KK}")["text"]
               for chat, tries in ((7020, 3), (7021, 3), (7022, 3), (7023, 1))
               for _ in range(tries)]
    assert all("Sisa kesempatan" in r for r in replies[:9]) and "dikunci" in replies[9]
    no_program_kk = DEMO_RESIDENTS["no_program"][1]
    assert "dikunci" in system.ask(7024, f"DAFTAR#{nik}#{no_program_kk}")["text"]
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        [detail] = conn.execute(text("SELECT detail FROM bot_audit "
                                     "WHERE action = 'registration_guessed'")).scalars()
    engine.dispose()
    assert json.loads(detail) == {"nik": f"{nik[:4]}**********{nik[-2:]}", "accounts": 4,
                                  "attempts": 10}


def test_a_duplicated_update_gets_one_reply(system):
    user = 7010
    update = {"update_id": 990001, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "chat": {"id": user, "type": "private", "first_name": "Dup"},
        "from": {"id": user, "is_bot": False, "first_name": "Dup"}}}
    system.ask(user, "Menu")  # the chat exists
    for _ in range(3):
        system.inject(update)
    first = system.messages(user, wait=10)
    time.sleep(2)  # enough for a second reply to arrive if the system made one
    assert len(first) + len(system.messages(user)) == 1
