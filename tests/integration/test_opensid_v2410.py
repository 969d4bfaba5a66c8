"""The bot's data layer on OpenSID v2410's own migrated demo database (MariaDB), one village and
two: what a resident reads, what init-db changes, the rows a letter request and our console's
signature write. The same rows in OpenSID's running application: tests/e2e/test_opensid_app.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, text

from libs.config import Settings
from libs.contracts import Command
from libs.letter_tokens import generate_keypair
from libs.siades.bot_models import STAFF_HEAD, Staff
from libs.siades.cli import main
from libs.siades.letters import LetterRequest
from libs.siades.mandiri import UNUSABLE_PIN
from libs.siades.village import Generation, VillageError, connect
from libs.vocabulary.states import RequestState
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.letter_service.handlers import handle as handle_letter
from services.letter_service.issuing import issue

AHLUL_NIK, AHLUL_KK = "5201142005716996", "5201140104126994"
# AHMAD ALLIF RIZKI, AHLUL's son: BELUM KAWIN, and one of the two residents with a Layanan
# Mandiri account in the demo
ALLIF_NIK, ALLIF_ID = "5201140706966997", 2
NOW = datetime(2026, 12, 3, 3, 0)  # naive UTC: 10:00 in Lombok's WITA is 11:00; TIMEZONE=Jakarta
OPENSID_TABLES = ("tweb_penduduk", "tweb_keluarga", "tweb_wil_clusterdesa", "program",
                  "program_peserta", "config", "setting_aplikasi", "tweb_penduduk_mandiri",
                  "log_surat", "permohonan_surat")


class Chat:
    """A resident typing into the bot of one village, handled in-process (no broker)."""

    def __init__(self, database, chat_id: int):
        self.database, self.chat_id, self.count = database, chat_id, 0

    def __call__(self, typed: str) -> str:
        self.count += 1
        parsed = parse_text(typed)
        command = Command(message_id=f"tg-{self.chat_id}-{self.count}", update_id=self.count,
                          service=parsed.service, action=parsed.action, chat_id=self.chat_id,
                          user_id=self.chat_id, args=parsed.args)
        handle = handle_letter if parsed.service == "letter" else handle_data
        with self.database.sessions.begin() as session:
            [reply] = handle(command, session, Settings(), NOW)
        return reply.text


@pytest.fixture(scope="module")
def readonly(opensid_v2410_readonly_url):
    database = connect(opensid_v2410_readonly_url, wait=False)
    yield database
    database.engine.dispose()


def prepared(url: str, village_code: str = ""):
    """init-db (the bot_ tables, the SKBPN format) for the village, then its database."""
    environ = {"DATABASE_URL": url, "VILLAGE_CODE": village_code}
    assert main(["init-db"], environ=environ) == 0
    return connect(url, village_code, wait=False)


def sign_the_request(database, key_dir, signer: str):
    """The village's one request, checked and then signed in our console by `signer`."""
    key_file, _public = generate_keypair(key_dir)
    settings = Settings(letter_signing_key_file=str(key_file))
    with database.sessions.begin() as session:
        head = Staff(username=signer.lower().replace(" ", "."), full_name=signer,
                     role=STAFF_HEAD, password_hash="-")
        session.add(head)
        request = session.query(LetterRequest).one()
        request.status = RequestState.AWAITING_SIGNATURE
        session.flush()
        return issue(session, request, head, settings, NOW)


def sql(url: str, query: str, **params):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(query), params).all()
    finally:
        engine.dispose()


def checksums(url: str) -> dict[str, int]:
    return {row[0].split(".")[-1]: row[1]
            for row in sql(url, f"CHECKSUM TABLE {', '.join(OPENSID_TABLES)}")}


# --- one village ----------------------------------------------------------------------------


def test_the_v2410_dump_is_found_to_be_the_newer_generation(readonly):
    village = readonly.village
    assert village.generation is Generation.OPENSID_2312
    assert (village.config_id, village.name, village.code) == (1, "Senggig1", "5201142005")
    assert village.layanan_mandiri


def test_ahlul_reads_his_data_his_family_and_his_programs(opensid_v2410_db_url):
    database = prepared(opensid_v2410_db_url)
    say = Chat(database, 9101)
    assert "Senggig1" in say("/start")
    assert "Pendaftaran berhasil" in say(f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    bio = say("Biodata")
    for expected in ("Nama: <b>AHLUL</b>", "NIK: 5201**********96",
                     "Tempat/Tgl Lahir: MANGSIT, 20 Mei 1970", "Pekerjaan: TUKANG BATU",
                     "Hubungan dalam Keluarga: KEPALA KELUARGA", "Alamat: RT 004, Dusun MANGSIT"):
        assert expected in bio
    family = say("Keluarga")  # nik_kepala is an integer in v2410
    members = [line.split(". ", 1)[1].split(" – ")[0]
               for line in family.splitlines() if line[:1].isdigit()]
    living = {name for (name,) in sql(opensid_v2410_db_url, "SELECT nama FROM tweb_penduduk "
                                      "WHERE id_kk = 1 AND status_dasar = 1")}
    assert members[0] == "AHLUL" and set(members) == living and len(members) == 4
    bpnt = say("BPNT")  # a programme whose period ended in 2021
    assert "Anda <b>bukan penerima saat ini</b>" in bpnt
    assert "BPNT – kartu 2, periode 13 Desember 2015 s.d. 13 Desember 2021 (sudah berakhir)" \
        in bpnt
    kis = say("KIS")  # by NIK, through the alias JAMKESMAS, a programme no longer active
    assert "JAMKESMAS – kartu 1" in kis and "program tidak aktif" in kis
    assert "tidak terdaftar" in say("PKH")
    [(telegram, verified, config_id)] = sql(
        opensid_v2410_db_url, "SELECT telegram, telegram_tgl_verifikasi, config_id "
        "FROM tweb_penduduk WHERE nik = :nik", nik=AHLUL_NIK)
    assert (telegram, config_id) == ("9101", 1) and verified is not None
    database.engine.dispose()


def test_init_db_adds_the_bot_tables_and_the_skbpn_format_and_changes_nothing_else(
        opensid_v2410_db_url, capsys):
    url = opensid_v2410_db_url
    before = checksums(url)
    formats_before = sql(url, "SELECT COUNT(*), MAX(id) FROM tweb_surat_format")[0]
    assert main(["init-db"], environ={"DATABASE_URL": url}) == 0
    out = capsys.readouterr().out
    assert "OpenSID 23.12 or newer" in out and "config id 1" in out
    assert "added letter format Keterangan Belum Pernah Menikah" in out
    assert checksums(url) == before  # every OpenSID row but the one format as it was
    [(count, newest)] = sql(url, "SELECT COUNT(*), MAX(id) FROM tweb_surat_format")
    assert count == formats_before[0] + 1
    [added] = sql(url, "SELECT config_id, jenis, url_surat, kode_surat, mandiri, kode_isian "
                  "FROM tweb_surat_format WHERE id = :id", id=newest)
    assert added[:5] == (1, 4, "surat-keterangan-belum-pernah-menikah", "472.2", 1)
    assert [f["nama"] for f in json.loads(added[5])] == ["Keperluan"]
    assert main(["init-db"], environ={"DATABASE_URL": url}) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert sql(url, "SELECT COUNT(*) FROM tweb_surat_format")[0][0] == count


def test_a_letter_request_is_written_as_layanan_mandiri_writes_it(opensid_v2410_db_url):
    url = opensid_v2410_db_url
    database = prepared(url)
    say = Chat(database, 9102)
    say(f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    assert sql(url, "SELECT COUNT(*) FROM tweb_penduduk_mandiri WHERE id_pend = 1") == [(0,)]
    assert "berhasil diajukan" in say("SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal")
    [row] = sql(url, "SELECT config_id, id_pemohon, id_surat, status, isian_form, syarat, "
                "no_hp_aktif FROM permohonan_surat")
    config_id, resident, format_id, status, form, syarat, phone = row
    assert (config_id, resident, format_id, status) == (1, 1, 192, 1)  # surat-keterangan-usaha
    form = json.loads(form)
    assert form["nama_usaha"] == "Peternakan Ayam"
    assert form["keperluan"] == "Pengajuan Pinjaman Modal (ditujukan kepada Bank BNI)"
    assert (form["usaha"], form["tujuan"], form["kegunaan"]) == (
        "Peternakan Ayam", "Bank BNI", "Pengajuan Pinjaman Modal")
    assert json.loads(syarat) == {"3": "-1"}  # format 192's syarat_surat [null,3]
    assert phone == "-"  # AHLUL has no phone in the registry
    # the account OpenSID's periksa page needs, which nobody can log in with
    [account] = sql(url, "SELECT config_id, aktif, pin, ganti_pin FROM tweb_penduduk_mandiri "
                    "WHERE id_pend = 1")
    assert account == (1, 0, UNUSABLE_PIN, 1)
    assert not any(c in "0123456789abcdef" for c in UNUSABLE_PIN[:1])
    database.engine.dispose()


def test_a_resident_with_his_own_layanan_mandiri_account_keeps_it_as_it_was(
        opensid_v2410_db_url):
    url = opensid_v2410_db_url
    before = sql(url, "SELECT * FROM tweb_penduduk_mandiri WHERE id_pend = :id", id=ALLIF_ID)
    database = prepared(url)
    say = Chat(database, 9103)
    say(f"DAFTAR#{ALLIF_NIK}#{AHLUL_KK}")
    assert "berhasil diajukan" in say("SKBPN#KUA Batulayar#Persyaratan Menikah")
    assert sql(url, "SELECT * FROM tweb_penduduk_mandiri WHERE id_pend = :id",
               id=ALLIF_ID) == before
    [(format_url, form)] = sql(url, "SELECT f.url_surat, p.isian_form FROM permohonan_surat p "
                               "JOIN tweb_surat_format f ON f.id = p.id_surat")
    assert format_url == "surat-keterangan-belum-pernah-menikah"
    assert json.loads(form)["keperluan"] == "Persyaratan Menikah (ditujukan kepada KUA Batulayar)"
    database.engine.dispose()


def test_an_emoji_in_an_answer_is_stored_in_opensid_s_utf8mb3_tables(opensid_v2410_db_url):
    database = prepared(opensid_v2410_db_url)
    say = Chat(database, 9104)
    say(f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    assert "berhasil diajukan" in say("SKD#Kantor Camat 🏛️#Beasiswa anak 🎓")
    [(form,)] = sql(opensid_v2410_db_url, "SELECT isian_form FROM permohonan_surat")
    assert json.loads(form)["tujuan"] == "Kantor Camat 🏛️"
    database.engine.dispose()


def test_our_console_s_letter_is_logged_as_v2410_expects(opensid_v2410_db_url, tmp_path):
    url = opensid_v2410_db_url
    database = prepared(url)
    say = Chat(database, 9105)
    say(f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")
    say("SKD#Kantor Camat Batulayar#Persyaratan Beasiswa")
    letter = sign_the_request(database, tmp_path, "H. Lalu Muhammad")
    assert letter.number.startswith("S-41/001/5201142005/XII/2026")
    [log] = sql(url, "SELECT config_id, id_format_surat, id_pend, id_pamong, id_user, "
                "nama_pamong, nama_jabatan, status, verifikasi_operator, no_surat, bulan, tahun "
                "FROM log_surat WHERE id = :id", id=letter.letter_log_id)
    assert log == (1, 210, 1, None, None, "H. Lalu Muhammad", "Kepala Desa", 1, 1, "1", "12",
                   "2026")
    [(status, form)] = sql(url, "SELECT status, isian_form FROM permohonan_surat")
    assert status == 3 and json.loads(form)["nomor"] == "1"  # how OpenSID links the two
    database.engine.dispose()


# --- two villages in one database -----------------------------------------------------------------


def test_two_villages_need_village_code_and_each_bot_sees_only_its_own(two_village_v2410):
    villages = two_village_v2410
    with pytest.raises(VillageError, match="Sukamaju"):
        connect(villages.url, wait=False)
    first = prepared(villages.url, villages.first_kode_desa)
    second = prepared(villages.url, villages.second_kode_desa)
    assert (first.village.config_id, second.village.config_id) == (
        villages.first_config_id, villages.second_config_id)
    ahlul, hidayat = villages.first_shared, villages.second_shared
    one, two = Chat(first, 9201), Chat(second, 9202)
    assert "Sukamaju" in two("/start") and "Senggig1" in one("/start")
    # the same NIK, each village's own resident; the other village's card means nothing
    assert "AHLUL</b>" in one(f"DAFTAR#{villages.shared_nik}#{ahlul.no_kk}")
    refused = two(f"DAFTAR#{villages.shared_nik}#{ahlul.no_kk}")
    assert "Sisa kesempatan: 4 kali" in refused  # a wrong pair
    assert "AHLUL HIDAYAT" in two(f"DAFTAR#{villages.shared_nik}#{hidayat.no_kk}")
    family_two = two("Keluarga")
    assert "AHLUL HIDAYAT" in family_two and "AHMAD HABIB" not in family_two
    assert "AHMAD HABIB" in one("Keluarga")
    # BPNT: each village's own program of that name; KIS: shared, with each village's members
    assert "kartu 2" in one("BPNT")
    bpnt_two = two("BPNT")
    assert "terdaftar</b> sebagai penerima saat ini" in bpnt_two and "2015" not in bpnt_two
    assert "tidak terdaftar" in two("KIS")  # AHLUL HIDAYAT is not in the shared KIS
    assert "KIS" in one("KIS") and "tidak terdaftar" not in one("KIS")
    # letters: each village's own format and numbering
    assert "berhasil diajukan" in two("SKU#Warung Sembako#Bank NTB#Modal Usaha")
    [(config_id, format_id)] = sql(villages.url, "SELECT config_id, id_surat "
                                   "FROM permohonan_surat")
    assert config_id == villages.second_config_id
    assert format_id == villages.letter_formats["surat-keterangan-usaha"]
    assert format_id != villages.first_letter_formats["surat-keterangan-usaha"]
    assert "Anda belum pernah mengajukan surat atau mengirim aduan" in one("Status")
    rows = sql(villages.url, "SELECT telegram, config_id FROM tweb_penduduk "
               "WHERE telegram IS NOT NULL ORDER BY config_id")
    assert rows == [("9201", villages.first_config_id), ("9202", villages.second_config_id)]
    for database in (first, second):
        database.engine.dispose()


def test_each_village_numbers_its_letters_with_its_own_setting(two_village_v2410, tmp_path):
    villages = two_village_v2410
    second = prepared(villages.url, villages.second_kode_desa)
    say = Chat(second, 9301)
    hidayat = villages.second_shared
    say(f"DAFTAR#{villages.shared_nik}#{hidayat.no_kk}")
    say("SKD#Kantor Camat#Beasiswa")
    letter = sign_the_request(second, tmp_path, "Kades Sukamaju")
    # SECOND_NUMBER_FORMAT: [nomor_surat, 4]/[kode_surat]/[kode_desa]/[bulan_romawi]/[tahun]
    assert letter.number == f"0001/S-41/{villages.second_kode_desa}/XII/{date.today().year}"
    [(config_id,)] = sql(villages.url, "SELECT config_id FROM log_surat WHERE id = :id",
                         id=letter.letter_log_id)
    assert config_id == villages.second_config_id
    second.engine.dispose()
