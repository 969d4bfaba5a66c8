"""The data services' handlers on the seeded demo village (SQLite), no broker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from libs.config import Settings
from libs.contracts import Command
from libs.siades.bot_models import Chat
from libs.siades.demo import DEMO_RESIDENTS
from services.data_service.handlers import handle

NOW = datetime(2026, 11, 28, 6, 0, 0)
IN_2025 = datetime(2025, 6, 1, 6, 0, 0)  # within the demo programs' period (2025)
SETTINGS = Settings()
HEAD_NIK, HEAD_KK, HEAD_NAME = DEMO_RESIDENTS["head"]
WRONG_KK = "3517090000000001"  # nobody's card


@pytest.fixture
def ask(session_factory):
    """Run one command through the handler in its own transaction; return the reply."""
    counter = iter(range(1, 10_000))

    def ask(chat_id: int, action: str, *args: str, now: datetime = NOW):
        command = Command(message_id=f"tg-{next(counter)}", update_id=1, service="data",
                          action=action, chat_id=chat_id, user_id=chat_id, args=args)
        with session_factory.begin() as session:
            [reply] = handle(command, session, SETTINGS, now)
        assert reply.chat_id == chat_id and reply.parse_mode == "HTML"
        return reply

    return ask


def registered(ask, chat_id=1, who="head"):
    nik, no_kk, _ = DEMO_RESIDENTS[who]
    assert "berhasil" in ask(chat_id, "register", nik, no_kk).text
    return chat_id


def test_start_for_a_stranger_offers_only_registration(ask):
    reply = ask(1, "start")
    assert "Sumbermulyo" in reply.text and "DAFTAR#NIK#No KK" in reply.text
    assert reply.reply_markup["keyboard"] == [[{"text": "Daftar"}]]


def test_start_for_a_resident_greets_by_name_with_the_menu(ask):
    registered(ask)
    reply = ask(1, "start")
    assert f"Selamat datang, <b>{HEAD_NAME}</b>" in reply.text
    assert [b["text"] for row in reply.reply_markup["keyboard"] for b in row] == [
        "Biodata", "Keluarga", "Surat", "PKH", "BPNT", "KIS", "Aduan", "Status"]


@pytest.mark.parametrize("action", ["biodata", "keluarga", "pkh", "bpnt", "kis"])
def test_data_needs_registration(ask, action):
    assert "belum terdaftar" in ask(1, action).text


@pytest.mark.parametrize("args, expected", [
    ((), "DAFTAR#NIK#No KK"),
    (("1",), "Format pendaftaran kurang tepat"),
    (("1", "2", "3"), "Format pendaftaran kurang tepat"),
    (("123", HEAD_KK), "NIK harus 16 angka (tertulis: 3 angka)"),
    ((HEAD_NIK, "12345678901234567"), "No KK harus 16 angka (tertulis: 17 angka)"),
])
def test_malformed_registrations_explain_and_do_not_count(ask, args, expected):
    for _ in range(6):
        assert expected in ask(1, "register", *args).text
    assert "berhasil" in ask(1, "register", HEAD_NIK, HEAD_KK).text


def test_numbers_typed_with_spaces_and_dots_are_accepted(ask):
    nik = f"{HEAD_NIK[:4]} {HEAD_NIK[4:8]}.{HEAD_NIK[8:]}"
    assert "berhasil" in ask(1, "register", nik, HEAD_KK).text


@pytest.mark.parametrize("who", ["dead", "moved"])
def test_only_living_residents_register_and_the_refusal_reveals_nothing(ask, who):
    nik, no_kk, _ = DEMO_RESIDENTS[who]
    refused = ask(1, "register", nik, no_kk).text
    wrong = ask(2, "register", "3517090000000000", no_kk).text
    assert refused == wrong and "Sisa kesempatan: 4 kali" in refused


def test_five_failures_lock_the_account_for_the_rest_of_the_window(ask):
    for left in (4, 3, 2, 1):
        assert f"Sisa kesempatan: {left} kali" in ask(1, "register", HEAD_NIK, WRONG_KK).text
    fifth = ask(1, "register", HEAD_NIK, WRONG_KK).text
    # locked until the first failure + 24 h, shown in WIB (UTC+7)
    assert "dikunci sampai 29 November 2026 13:00 WIB." in fifth
    assert "dikunci" in ask(1, "register", HEAD_NIK, HEAD_KK).text
    assert "dikunci" in ask(1, "register", HEAD_NIK, HEAD_KK, now=NOW + timedelta(hours=23)).text
    later = NOW + timedelta(hours=24, minutes=1)
    assert "berhasil" in ask(1, "register", HEAD_NIK, HEAD_KK, now=later).text


def test_one_account_per_resident_and_back(ask):
    registered(ask, 1, "head")
    assert "sudah terhubung dengan data" in ask(1, "register", HEAD_NIK, HEAD_KK).text
    wife_nik, wife_kk, _ = DEMO_RESIDENTS["wife"]
    assert "sudah terhubung dengan data" in ask(1, "register", wife_nik, wife_kk).text
    assert "berhasil" not in ask(2, "register", HEAD_NIK, HEAD_KK).text


def test_biodata_shows_lookup_names_and_a_masked_nik(ask):
    registered(ask)
    text = ask(1, "biodata").text
    assert HEAD_NAME in text
    assert f"NIK: {HEAD_NIK[:4]}**********{HEAD_NIK[-2:]}" in text and HEAD_NIK not in text
    assert "Tempat/Tgl Lahir: JOMBANG, 12 April 1978" in text
    assert "Jenis Kelamin: LAKI-LAKI" in text
    assert "Agama: ISLAM" in text
    assert "Status Perkawinan: KAWIN" in text
    assert "Pekerjaan: WIRASWASTA" in text
    assert "Hubungan dalam Keluarga: KEPALA KELUARGA" in text
    assert "Dusun KRAJAN" in text


def test_family_lists_living_members_head_first_with_ages(ask):
    registered(ask)
    text = ask(1, "keluarga").text
    assert f"No KK: {HEAD_KK[:4]}**********{HEAD_KK[-2:]}" in text
    members = [line for line in text.splitlines() if line[:1].isdigit()]
    assert members[0] == f"1. {HEAD_NAME} – KEPALA KELUARGA, LAKI-LAKI, 48 tahun"
    assert members[1].startswith("2. SITI AMINAH – ISTRI, PEREMPUAN")
    assert DEMO_RESIDENTS["dead"][2] not in text


def test_programs_by_family_card_by_nik_and_not_at_all(ask):
    registered(ask, 1, "head")
    assert "<b>PKH</b>: Anda <b>terdaftar</b>" in ask(1, "pkh", now=IN_2025).text
    assert "<b>BPNT</b>: Anda <b>terdaftar</b>" in ask(1, "bpnt", now=IN_2025).text
    assert "tidak terdaftar" in ask(1, "kis", now=IN_2025).text
    registered(ask, 2, "kis_member")
    kis = ask(2, "kis", now=IN_2025).text
    assert "terdaftar</b>" in kis and "kartu" in kis
    registered(ask, 3, "household_head")
    assert "<b>PKH</b>: Anda <b>terdaftar</b>" in ask(3, "pkh", now=IN_2025).text
    registered(ask, 4, "no_program")
    for action in ("pkh", "bpnt", "kis"):
        assert "tidak terdaftar" in ask(4, action, now=IN_2025).text


def test_a_program_the_village_does_not_have(ask, session_factory):
    registered(ask)
    from libs.siades.programs import Program
    with session_factory.begin() as session:
        session.query(Program).filter(Program.name == "KIS").delete()
    assert "belum tercatat" in ask(1, "kis").text


def test_unknown_text_gets_help(ask):
    assert "belum terdaftar" in ask(1, "unknown").text
    registered(ask)
    reply = ask(1, "unknown")
    assert "tidak dikenali" in reply.text and reply.reply_markup["keyboard"]


def test_start_makes_a_blocked_chat_reachable_again(ask, session_factory):
    with session_factory.begin() as session:
        session.add(Chat(chat_id=1, unreachable_since=NOW, updated_at=NOW))
    ask(1, "start")
    with session_factory() as session:
        assert session.get(Chat, 1).unreachable_since is None


def test_registry_values_are_escaped(ask, session_factory):
    from libs.siades.models import Resident
    with session_factory.begin() as session:
        resident = session.query(Resident).filter(Resident.nik == HEAD_NIK).one()
        resident.birth_place = "<b>JOMBANG</b> & co"
    registered(ask)
    assert "&lt;b&gt;JOMBANG&lt;/b&gt; &amp; co" in ask(1, "biodata").text


def test_registration_writes_opensids_columns_in_the_villages_local_time(ask, session_factory):
    from libs.siades.models import Resident
    registered(ask)  # at NOW, 06:00 UTC
    with session_factory() as session:
        resident = session.query(Resident).filter(Resident.nik == HEAD_NIK).one()
        assert resident.telegram == "1"
        assert resident.telegram_verified_at == datetime(2026, 11, 28, 13, 0, 0)  # WIB


def test_dates_that_are_not_dates_show_as_unknown():
    from datetime import date

    from libs.formatting import age, tanggal
    # pymysql hands MariaDB's zero date '0000-00-00' over as a string
    assert tanggal("0000-00-00") == "-" and age("0000-00-00", date(2026, 1, 1)) == "-"
    assert tanggal(date(1970, 5, 20)) == "20 Mei 1970"
    assert age(date(1970, 5, 20), date(2026, 5, 19)) == "55 tahun"


# --- registration: refusals that reveal nothing, counted alike ------------------------------


def attempts(session_factory, **where):
    from libs.siades.bot_models import RegistrationAttempt
    with session_factory() as session:
        return session.query(RegistrationAttempt).filter_by(**where).all()


def test_a_linked_pair_from_another_account_is_refused_and_counted_as_a_wrong_pair(
        ask, session_factory):
    from libs.identity import digest
    registered(ask, 1, "head")
    # Given the head's pair, linked to chat 1, tried from chat 2, and a wrong pair from chat 3
    linked = ask(2, "register", HEAD_NIK, HEAD_KK).text
    wrong = ask(3, "register", HEAD_NIK, WRONG_KK).text
    # Then both read the same, with the same attempts left: nothing says the pair is valid
    assert linked == wrong and "Sisa kesempatan: 4 kali" in linked
    assert "akun Telegram lain" not in linked and "ditemukan" not in linked
    # And the office can still tell them apart
    [attempt] = attempts(session_factory, chat_id=2)
    assert (attempt.success, attempt.reason, attempt.nik_digest) == (
        False, "resident_linked", digest(HEAD_NIK))
    assert attempts(session_factory, chat_id=3)[0].reason == "no_match"


def test_the_counter_goes_down_by_one_for_every_failure_whatever_failed(ask):
    registered(ask, 1, "head")
    dead_nik, dead_kk, _ = DEMO_RESIDENTS["dead"]
    moved_nik, moved_kk, _ = DEMO_RESIDENTS["moved"]
    wife_nik, wife_kk, _ = DEMO_RESIDENTS["wife"]
    walk = [
        ((HEAD_NIK, WRONG_KK), "Sisa kesempatan: 4 kali"),  # a wrong pair
        (("NIK", "No KK"), "tidak dihitung"),  # the syntax line, copied: not counted
        (("123", HEAD_KK), "NIK harus 16 angka"),  # a malformed NIK: not counted
        ((dead_nik, dead_kk), "Sisa kesempatan: 3 kali"),  # a resident who died
        ((HEAD_NIK, HEAD_KK), "Sisa kesempatan: 2 kali"),  # linked to chat 1
        ((wife_nik, WRONG_KK), "Sisa kesempatan: 1 kali"),
        ((moved_nik, moved_kk), "dikunci sampai 29 November 2026 13:00 WIB"),  # the fifth
        ((wife_nik, wife_kk), "dikunci sampai 29 November 2026 13:00 WIB"),  # even a right pair
    ]
    for minute, (args, expected) in enumerate(walk):
        assert expected in ask(9, "register", *args, now=NOW + timedelta(minutes=minute)).text
    # The lock ends 24 h after the first failure
    assert "berhasil" in ask(9, "register", wife_nik, wife_kk,
                             now=NOW + timedelta(hours=24, seconds=1)).text


# --- registration: the example is an example -------------------------------------------------


def test_the_example_is_visibly_an_example_with_where_the_numbers_are_printed(ask):
    import re
    text = ask(1, "register").text
    assert "<code>DAFTAR#NIK#No KK</code>" in text
    assert "KTP" in text and "bagian atas Kartu Keluarga" in text
    assert not re.search(r"[0-9]{6}", text)  # no number that could pass for someone's


@pytest.mark.parametrize("args", [
    ("3517090101800001", "3517090101090001"),  # the example the bot used to print
    ("NIK", "No KK"), ("<NIK>", "<No KK>"), ("nik", "nokk"),
    (HEAD_NIK, "No KK"), ("0000000000000000", HEAD_KK), (HEAD_NIK, "1234 5678 9012 3456"),
    ("1111111111111111", "9876543210987654"),
])
def test_a_copied_example_gets_help_and_costs_no_attempt(ask, session_factory, args):
    for _ in range(SETTINGS.registration_max_failures + 1):
        reply = ask(1, "register", *args)
        assert "masih contoh penulisan" in reply.text and "tidak dihitung" in reply.text
        assert reply.reply_markup["keyboard"] == [[{"text": "Daftar"}]]
    assert attempts(session_factory) == []
    assert "berhasil" in ask(1, "register", HEAD_NIK, HEAD_KK).text


# --- registration: one NIK guessed from many accounts -----------------------------------------


def guess_from_accounts(ask, nik, spread=(3, 3, 3, 1), first_chat=100, now=NOW):
    """`sum(spread)` failures at `nik`, spread over as many new accounts; the last reply."""
    replies = []
    for offset, count in enumerate(spread):
        for _ in range(count):
            replies.append(ask(first_chat + offset, "register", nik, WRONG_KK, now=now).text)
    return replies


def audit_entries(session_factory):
    import json

    from libs.siades.bot_models import AuditEntry
    with session_factory() as session:
        return [(e.actor, e.action, json.loads(e.detail))
                for e in session.query(AuditEntry).filter_by(action="registration_guessed")]


def guessed_metric() -> float:
    from prometheus_client import REGISTRY
    return REGISTRY.get_sample_value("siades_registration_guessed_total") or 0.0


@pytest.mark.parametrize("nik", [HEAD_NIK, "3517090000000002"], ids=["exists", "nobody"])
def test_one_nik_is_locked_across_accounts_and_the_office_is_told_once(
        ask, session_factory, caplog, nik):
    assert SETTINGS.registration_nik_max_failures == 10
    metric = guessed_metric()
    # Given ten failures at one NIK from four accounts, none of them locked by itself
    replies = guess_from_accounts(ask, nik)
    assert all("Sisa kesempatan" in r for r in replies[:9])
    # Then the tenth locks the NIK for the window, in the words of an account's lock
    assert "dikunci sampai 29 November 2026 13:00 WIB" in replies[9]
    # And the office is told once: audit, warning, metric
    masked = f"{nik[:4]}**********{nik[-2:]}"
    assert audit_entries(session_factory) == [
        ("bot", "registration_guessed", {"nik": masked, "accounts": 4, "attempts": 10})]
    assert guessed_metric() == metric + 1
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert masked in warning.getMessage() and nik not in warning.getMessage()
    # When a new account tries the NIK, even with the right card, within the window
    later = NOW + timedelta(hours=23)
    kk = HEAD_KK if nik == HEAD_NIK else WRONG_KK
    refused = ask(200, "register", nik, kk, now=later).text
    # Then it is refused, uncounted, and the office is not told twice
    assert "dikunci sampai 29 November 2026 13:00 WIB" in refused
    assert attempts(session_factory, chat_id=200) == []
    assert len(audit_entries(session_factory)) == 1
    # And another NIK from that account is tried as usual
    assert "Sisa kesempatan: 4 kali" in ask(200, "register", DEMO_RESIDENTS["wife"][0],
                                            WRONG_KK, now=later).text


def test_a_locked_nik_reveals_nothing_of_whether_it_exists(ask):
    guess_from_accounts(ask, HEAD_NIK, first_chat=100)
    guess_from_accounts(ask, "3517090000000002", first_chat=300)
    assert ask(400, "register", HEAD_NIK, HEAD_KK).text == \
        ask(401, "register", "3517090000000002", HEAD_KK).text


def test_the_nik_lock_ends_with_the_window(ask):
    guess_from_accounts(ask, HEAD_NIK)
    later = NOW + timedelta(hours=24, seconds=1)
    assert "berhasil" in ask(200, "register", HEAD_NIK, HEAD_KK, now=later).text


def test_deleting_the_failed_attempts_unlocks_a_nik_and_an_account(ask, session_factory):
    # What the console's "unlock" does: the locks are counted from these rows alone.
    from libs.identity import digest
    from libs.siades.bot_models import RegistrationAttempt
    guess_from_accounts(ask, HEAD_NIK, spread=(5, 5))
    assert "dikunci" in ask(100, "register", HEAD_NIK, HEAD_KK).text
    assert "dikunci" in ask(200, "register", HEAD_NIK, HEAD_KK).text
    with session_factory.begin() as session:
        session.query(RegistrationAttempt).filter_by(
            nik_digest=digest(HEAD_NIK), success=False).delete()
    assert "berhasil" in ask(100, "register", HEAD_NIK, HEAD_KK).text


def test_every_attempt_with_a_well_formed_nik_records_its_digest(ask, session_factory):
    from libs.identity import digest
    ask(1, "register", HEAD_NIK, WRONG_KK)
    registered(ask, 1, "head")
    assert [(a.success, a.nik_digest) for a in attempts(session_factory, chat_id=1)] == [
        (False, digest(HEAD_NIK)), (True, digest(HEAD_NIK))]


# --- programs: current, ended, not started, inactive ------------------------------------------


def set_program(session_factory, name, **values):
    from libs.siades.programs import Program
    with session_factory.begin() as session:
        session.query(Program).filter(Program.name == name).update(values)


def test_a_participation_whose_period_ended_is_said_to_have_ended(ask):
    registered(ask)
    # The demo's PKH ran through 2025; the resident asks on 3 December 2026
    text = ask(1, "pkh", now=datetime(2026, 12, 3, 3, 0)).text
    assert text.startswith("<b>PKH</b>: Anda <b>bukan penerima saat ini</b>.")
    assert "periode 1 Januari 2025 s.d. 31 Desember 2025 (sudah berakhir)" in text
    assert "terdaftar</b>" not in text


def test_a_current_participation_is_said_to_be_current(ask):
    registered(ask)
    text = ask(1, "pkh", now=IN_2025).text
    assert text.startswith("<b>PKH</b>: Anda <b>terdaftar</b> sebagai penerima saat ini.")
    assert "periode 1 Januari 2025 s.d. 31 Desember 2025 (sedang berjalan)" in text


def test_the_period_is_read_in_the_villages_date(ask):
    registered(ask)
    # 31 December 2025 17:30 UTC is already 1 January 2026 in Jombang (WIB)
    assert "sudah berakhir" in ask(1, "pkh", now=datetime(2025, 12, 31, 17, 30)).text
    # 31 December 2024 17:30 UTC is 1 January 2025 there: the program has begun
    assert "sedang berjalan" in ask(1, "pkh", now=datetime(2024, 12, 31, 17, 30)).text
    assert "belum dimulai" in ask(1, "pkh", now=datetime(2024, 12, 31, 16, 30)).text


def test_a_participation_not_yet_begun_is_said_as_such(ask, session_factory):
    from datetime import date
    registered(ask)
    set_program(session_factory, "BPNT", start_date=date(2026, 1, 1),
                end_date=date(2026, 12, 31))
    text = ask(1, "bpnt", now=IN_2025).text
    assert "bukan penerima saat ini" in text
    assert "periode 1 Januari 2026 s.d. 31 Desember 2026 (belum dimulai)" in text


def test_an_inactive_program_makes_no_current_recipient_whatever_its_dates(ask, session_factory):
    registered(ask)
    set_program(session_factory, "PKH", status=0)
    text = ask(1, "pkh", now=IN_2025).text
    assert "bukan penerima saat ini" in text
    assert "periode 1 Januari 2025 s.d. 31 Desember 2025 (program tidak aktif)" in text


def test_one_current_participation_among_ended_ones_makes_a_current_recipient(
        ask, session_factory):
    from datetime import date
    registered(ask, 2, "kis_member")
    # KIS under two names (the aliases): one ended, one current
    set_program(session_factory, "KIS", end_date=date(2024, 12, 31),
                start_date=date(2024, 1, 1))
    from libs.siades.programs import Program, ProgramParticipant
    with session_factory.begin() as session:
        old = session.query(Program).filter(Program.name == "KIS").one()
        new = Program(name="JAMKESMAS", target=old.target, start_date=date(2025, 1, 1),
                      end_date=date(2025, 12, 31), status=1, userid=0)
        session.add(new)
        session.flush()
        member = session.query(ProgramParticipant).filter_by(program_id=old.id).first()
        session.add(ProgramParticipant(
            participant=member.participant, program_id=new.id, card_number="J-1",
            kartu_nik=member.kartu_nik, kartu_nama=member.kartu_nama,
            kartu_tanggal_lahir=member.kartu_tanggal_lahir))
    text = ask(2, "kis", now=IN_2025).text
    assert "terdaftar</b> sebagai penerima saat ini" in text
    assert "(sudah berakhir)" in text and "J-1, periode 1 Januari 2025" in text
