"""Which village a database serves, and that every read and write is that village's
(libs/siades/village.py), on SQLite in both generations' shapes. The real OpenSID v2410 database
and application are in tests/integration/test_opensid_v2410.py and tests/e2e/."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select, text

from libs import texts
from libs.config import Settings
from libs.contracts import Command
from libs.siades.cli import main
from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from libs.siades.queries import assistance, registration
from libs.siades.village import Generation, VillageError, connect, detect, village_config
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.letter_service.handlers import handle as handle_letter
from tests.support import current_sqlite
from tests.support.current_sqlite import (
    SHARED_NIK,
    SHARED_PROGRAM,
    VILLAGE_1,
    VILLAGE_2,
    VILLAGE_2_HEAD,
    VILLAGE_2_KK,
    CurrentDatabase,
)

NOW = datetime(2026, 11, 28, 6, 0, 0)
BUDI_NIK, BUDI_KK, _ = DEMO_RESIDENTS["head"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("current") / "two-villages.db"
    engine = make_engine(f"sqlite:///{path}")
    current_sqlite.build(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def current(template, tmp_path) -> CurrentDatabase:
    """A copy of the two-village database in OpenSID 23.12+'s shape."""
    import shutil

    path = tmp_path / "two-villages.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield CurrentDatabase(f"sqlite:///{path}", engine)
    engine.dispose()


def chat(sessions, text_: str, chat_id: int) -> str:
    """Type `text_` in a chat as the gateway parses it; the reply's text."""
    parsed = parse_text(text_)
    command = Command(message_id=f"tg-{chat_id}-{hash(text_)}", update_id=1,
                      service=parsed.service, action=parsed.action, chat_id=chat_id,
                      user_id=chat_id, args=parsed.args)
    handle = handle_letter if parsed.service == "letter" else handle_data
    with sessions.begin() as session:
        [reply] = handle(command, session, Settings(), NOW)
    return reply.text


# --- which village -------------------------------------------------------------------------


def test_init_db_makes_the_2212_shape_and_one_village_needs_no_setting(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        village = detect(conn)
    assert village.generation is Generation.OPENSID_2212
    assert village.config_id is None and not village.scoped
    assert (village.name, village.code) == ("Sumbermulyo", "3517092006")
    engine.dispose()


def test_several_villages_and_no_village_code_refuse_naming_them(current):
    with current.engine.connect() as conn, pytest.raises(VillageError) as refused:
        detect(conn)
    message = str(refused.value)
    assert "2 villages" in message and "VILLAGE_CODE" in message
    assert "Sumbermulyo (kode 3517092006)" in message and "Sukamaju (kode 3517092099)" in message


def test_village_code_picks_the_config_row_and_a_wrong_one_is_refused(current):
    with current.engine.connect() as conn:
        village = detect(conn, "3517092099")
        assert (village.generation, village.config_id, village.name) == (
            Generation.OPENSID_2312, 2, "Sukamaju")
        with pytest.raises(VillageError, match="VILLAGE_CODE=9999999999 names no village"):
            detect(conn, "9999999999")


def test_a_database_mixing_the_generations_is_refused(current):
    with current.engine.begin() as conn:
        conn.execute(text("ALTER TABLE permohonan_surat DROP COLUMN config_id"))
    with current.engine.connect() as conn, pytest.raises(VillageError, match="permohonan_surat"):
        detect(conn, VILLAGE_1.code)


def test_every_service_start_refuses_without_village_code(current):
    with pytest.raises(VillageError, match="2 villages"):
        connect(current.url, wait=False)
    assert connect(current.url, VILLAGE_2.code, wait=False).village.config_id == 2


def test_init_db_adds_the_tables_then_refuses_to_guess_the_village(current, capsys):
    assert main(["init-db"], environ={"DATABASE_URL": current.url}) == 1
    assert "VILLAGE_CODE" in capsys.readouterr().err
    assert main(["init-db"], environ={"DATABASE_URL": current.url,
                                      "VILLAGE_CODE": VILLAGE_2.code}) == 0
    assert "config id 2" in capsys.readouterr().out


# --- reads and writes of one village ----------------------------------------------------------


def test_reads_are_the_village_s_own(current):
    with current.sessions(VILLAGE_1)() as session:
        assert village_config(session).village_name == "Sumbermulyo"
        first = registration.registration_candidate(session, BUDI_NIK, BUDI_KK)
        assert first.name == "BUDI SANTOSO"
        assert registration.registration_candidate(session, SHARED_NIK, VILLAGE_2_KK) is None
        residents_1 = session.scalar(select(text("count(*)")).select_from(Resident))
    with current.sessions(VILLAGE_2)() as session:
        assert village_config(session).village_name == "Sukamaju"
        second = registration.registration_candidate(session, SHARED_NIK, VILLAGE_2_KK)
        assert second.name == VILLAGE_2_HEAD and second.id != first.id
        assert registration.registration_candidate(session, BUDI_NIK, BUDI_KK) is None
        assert session.get(Resident, first.id) is None  # not even by primary key
        assert session.scalar(select(text("count(*)")).select_from(Resident)) == 1
    assert residents_1 > 250


def test_a_shared_program_is_every_village_s_but_its_participants_are_not(current):
    with current.sessions(VILLAGE_2)() as session:
        resident = registration.registration_candidate(session, SHARED_NIK, VILLAGE_2_KK)
        names = (SHARED_PROGRAM, "PKH", "BPNT", "KIS")
        found = assistance.program_memberships(session, resident, names)
        assert [(m.program_name, m.card_number) for m in found] == [(SHARED_PROGRAM, "BD-2")]
        assert [p.name for p in assistance.programs_named(session, names)] == [SHARED_PROGRAM]
    with current.sessions(VILLAGE_1)() as session:
        resident = registration.registration_candidate(session, BUDI_NIK, BUDI_KK)
        found = assistance.program_memberships(session, resident, (SHARED_PROGRAM,))
        assert [m.card_number for m in found] == ["BD-1"]


def test_the_same_nik_registers_in_each_village_as_its_own_resident(current):
    budi = chat(current.sessions(VILLAGE_1), f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 501)
    sukardi = chat(current.sessions(VILLAGE_2), f"DAFTAR#{SHARED_NIK}#{VILLAGE_2_KK}", 502)
    assert "BUDI SANTOSO" in budi and VILLAGE_2_HEAD in sukardi
    # village 1's pair means nothing in village 2
    refused = chat(current.sessions(VILLAGE_2), f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 503)
    assert refused == texts.REGISTER_NO_MATCH.format(left=4)  # as for any wrong pair
    with current.engine.connect() as conn:
        linked = dict(conn.execute(text(
            "SELECT telegram, config_id FROM tweb_penduduk WHERE telegram IS NOT NULL")).all())
    assert linked == {"501": 1, "502": 2}


def test_what_the_bot_writes_carries_the_village(current):
    sessions = current.sessions(VILLAGE_2)
    chat(sessions, f"DAFTAR#{SHARED_NIK}#{VILLAGE_2_KK}", 601)
    reply = chat(sessions, "SKD#Kantor Kecamatan#Persyaratan Beasiswa", 601)
    assert "berhasil diajukan" in reply
    with current.engine.connect() as conn:
        config_id, format_village = conn.execute(text(
            "SELECT p.config_id, f.config_id FROM permohonan_surat p "
            "JOIN tweb_surat_format f ON f.id = p.id_surat")).one()
    assert (config_id, format_village) == (2, 2)  # village 2's own format, not village 1's
    with current.sessions(VILLAGE_1)() as session:
        assert session.scalars(select(LetterRequest)).all() == []


# --- letters as OpenSID >= 23.12 offers them --------------------------------------------


def test_isian_form_holds_the_format_s_fields_and_the_chat_s_answers(current):
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 701)
    assert "berhasil" in chat(sessions, "SKU#Peternakan Ayam#Bank BNI#Pinjaman Modal", 701)
    with sessions() as session:
        request = session.scalars(select(LetterRequest)).one()
        form = json.loads(request.form)
        assert form == {
            "nama_usaha": "Peternakan Ayam",
            "keperluan": "Pinjaman Modal (ditujukan kepada Bank BNI)",
            "usaha": "Peternakan Ayam", "tujuan": "Bank BNI", "kegunaan": "Pinjaman Modal",
            "url_surat": "surat-keterangan-usaha", "id_surat": str(request.format_id),
            "nik": str(request.resident_id),
        }
        assert json.loads(request.requirements) == {"3": "-1"}  # [null,3]: KTP on paper


def test_answers_outside_ascii_are_stored_as_json_escapes(current):
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 702)
    chat(sessions, "SKD#Kantor Kecamatan 🏛#Beasiswa Pelajar", 702)
    with current.engine.connect() as conn:
        raw = conn.scalar(text("SELECT isian_form FROM permohonan_surat"))
    assert raw.isascii() and "\\ud83c\\udfdb" in raw  # utf8mb3 tables take it
    assert json.loads(raw)["tujuan"] == "Kantor Kecamatan 🏛"


def edit_fields(current, slug: str, spec: str) -> None:
    """What a village does in OpenSID's admin: change a format's fields (kode_isian)."""
    with current.engine.begin() as conn:
        conn.execute(text("UPDATE tweb_surat_format SET kode_isian = :spec "
                          "WHERE url_surat = :slug AND config_id = 1"),
                     {"spec": spec, "slug": slug})


def test_a_field_the_village_added_to_the_format_is_asked_in_the_chat(current):
    spec = json.dumps(current_sqlite.FIELD_SPECS["SKU"] + [
        {"tipe": "select-manual", "kode": "[form_jenis_tempat]", "nama": "Jenis Tempat",
         "deskripsi": "- Pilih Jenis Tempat -", "pilihan": ["Milik Sendiri", "Sewa"],
         "required": "1"},
        {"tipe": "date", "kode": "[form_mulai_usaha]", "nama": "Mulai Usaha",
         "deskripsi": "Sejak kapan usaha berjalan?", "required": "0"}])
    edit_fields(current, "surat-keterangan-usaha", spec)
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 703)
    how = chat(sessions, "SKU", 703)
    assert "SKU#bentuk usaha#tujuan surat#kegunaan surat#jenis tempat#mulai usaha" in how
    refused = chat(sessions, "SKU#Warung#Bank BRI#Modal#Kontrak", 703)
    assert "Jenis tempat</b> harus salah satu dari: 1. Milik Sendiri, 2. Sewa" in refused
    filed = chat(sessions, "SKU#Warung#Bank BRI#Modal#sewa#1/2/2020", 703)
    assert "berhasil diajukan" in filed and "Jenis tempat: Sewa" in filed
    with sessions() as session:
        form = json.loads(session.scalars(select(LetterRequest)).one().form)
    assert (form["jenis_tempat"], form["mulai_usaha"]) == ("Sewa", "01-02-2020")


def test_the_guided_request_asks_the_added_field_with_its_choices(current):
    spec = json.dumps(current_sqlite.FIELD_SPECS["SKD"] + [
        {"tipe": "number", "kode": "[form_lama_tinggal]", "nama": "Lama Tinggal",
         "deskripsi": "Berapa tahun tinggal di alamat ini?", "required": "1"}])
    edit_fields(current, "surat-keterangan-domisili", spec)
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 704)
    assert "(1/3)" in chat(sessions, "AJUKAN SKD", 704)
    chat(sessions, "Kantor Kecamatan", 704)
    third = chat(sessions, "Persyaratan Beasiswa", 704)
    assert "(3/3)" in third and "Berapa tahun tinggal di alamat ini?" in third
    assert "harus berupa angka" in chat(sessions, "lama sekali", 704)
    summary = chat(sessions, "12", 704)
    assert "Lama tinggal: 12" in summary
    assert "berhasil diajukan" in chat(sessions, "AJUKAN KIRIM", 704)


def test_a_kind_whose_format_the_village_lacks_says_so(current):
    with current.engine.begin() as conn:
        conn.execute(text("DELETE FROM tweb_surat_format WHERE url_surat = "
                          "'surat-pengantar-surat-keterangan-catatan-kepolisian'"))
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 705)
    for text_ in ("SKCK", "SKCK#Polsek#Melamar Kerja", "AJUKAN SKCK"):
        assert "belum dapat diajukan" in chat(sessions, text_, 705)


def test_belum_pernah_menikah_is_only_for_the_never_married(current):
    sessions = current.sessions(VILLAGE_1)
    chat(sessions, f"DAFTAR#{BUDI_NIK}#{BUDI_KK}", 706)  # BUDI SANTOSO is KAWIN
    for text_ in ("SKBPN", "SKBPN#KUA#Menikah", "AJUKAN SKBPN"):
        refused = chat(sessions, text_, 706)
        assert "status perkawinan Anda <b>KAWIN</b>" in refused
    single_nik, single_kk, _ = DEMO_RESIDENTS["single"]  # AHMAD FAUZI, BELUM KAWIN
    chat(sessions, f"DAFTAR#{single_nik}#{single_kk}", 707)
    assert "berhasil diajukan" in chat(sessions, "SKBPN#KUA Jogoroto#Persyaratan Menikah", 707)
