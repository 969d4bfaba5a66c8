"""The OpenSID v2410 test plumbing: the demo dump, the second village, the real application."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.support.opensid_villages import TwoVillages, add_second_village

ALLIF_ID, ALLIF_NAME = 2, "AHMAD ALLIF RIZKI"  # has a Layanan Mandiri account in the demo
SKU_ID = 192  # surat-keterangan-usaha, TinyMCE (jenis 3)


def insert_request(conn, config_id: int = 1, resident_id: int = ALLIF_ID,
                   letter_id: int = SKU_ID) -> int:
    """A letter request shaped as Layanan Mandiri writes it (status 1 Sedang Diperiksa)."""
    form = {"nama_usaha": "Warung Sembako", "keperluan": "Pengajuan pinjaman modal"}
    return conn.execute(text(
        "INSERT INTO permohonan_surat (config_id, id_pemohon, id_surat, isian_form, status,"
        " keterangan, no_hp_aktif, syarat) VALUES (:config, :who, :surat, :form, 1, :ket,"
        " '081234567890', :syarat)"
    ), {"config": config_id, "who": resident_id, "surat": letter_id, "form": json.dumps(form),
        "ket": "Diminta lewat Telegram", "syarat": json.dumps({"3": "-1"})}).lastrowid


def test_v2410_dump_loads(opensid_v2410_db_url, engine_for):
    with engine_for(opensid_v2410_db_url).connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM tweb_penduduk")) == 97
        assert conn.execute(text("SELECT id, nama_desa, kode_desa FROM config")).all() == [
            (1, "Senggig1 ", "5201142005")]
        assert conn.scalar(text("SELECT COUNT(*) FROM information_schema.VIEWS"
                                " WHERE TABLE_SCHEMA = DATABASE()")) == 6


def test_two_villages_share_a_nik_once_per_village(two_village_v2410: TwoVillages, engine_for):
    v = two_village_v2410
    with engine_for(v.url).connect() as conn:
        assert conn.execute(text("SELECT id, kode_desa FROM config ORDER BY id")).all() == [
            (1, "5201142005"), (2, "5201142099")]
        assert conn.execute(text(
            "SELECT p.config_id, p.nama, k.no_kk FROM tweb_penduduk p"
            " JOIN tweb_keluarga k ON k.id = p.id_kk WHERE p.nik = :nik ORDER BY p.config_id"
        ), {"nik": v.shared_nik}).all() == [
            (1, "AHLUL", "5201140104126994"), (2, "AHLUL HIDAYAT", v.second_shared.no_kk)]
        assert conn.scalar(text("SELECT COUNT(*) FROM tweb_penduduk WHERE config_id = 2")) == len(
            v.residents) == 5
        assert conn.execute(text(
            "SELECT config_id, value FROM setting_aplikasi WHERE `key` = 'format_nomor_surat'"
            " ORDER BY config_id")).all() == [(1, v.first_number_format),
                                              (2, v.second_number_format)]
        assert conn.scalar(text("SELECT COUNT(*) FROM tweb_surat_format WHERE config_id = 2"
                                " AND jenis = 3")) == len(v.letter_formats) == 4
        assert conn.execute(text("SELECT id, config_id, nama FROM program WHERE id IN (:a, :b)"
                                 " ORDER BY id"), {"a": v.own_program.id,
                                                   "b": v.shared_program.id}).all() == [
            (v.own_program.id, 2, "BPNT"), (v.shared_program.id, None, "KIS")]


def test_opensid_answers_the_admin_with_an_empty_request_list(opensid_v2410_app, engine_for):
    admin = opensid_v2410_app.admin()
    assert admin.list_permohonan() == []
    with engine_for(opensid_v2410_app.database_url).connect() as conn:
        # reset() dropped start.sh's own login check: the one row is the login just made
        assert conn.scalar(text("SELECT COUNT(*) FROM log_login")) == 1


def test_a_request_written_to_the_database_is_listed_until_reset(opensid_v2410_app, engine_for):
    app = opensid_v2410_app
    engine = engine_for(app.database_url)
    with engine.begin() as conn:
        request_id = insert_request(conn)
    rows = app.admin().list_permohonan()
    assert [(r["id"], r["status"], r["penduduk"]["nama"], r["surat"]["url_surat"])
            for r in rows] == [(request_id, 1, ALLIF_NAME, "surat-keterangan-usaha")]

    app.reset()
    assert app.admin().list_permohonan() == []


def test_opensid_lists_only_its_own_village_beside_a_second_one(opensid_v2410_app, engine_for):
    app = opensid_v2410_app
    village = add_second_village(app.database_url)
    with engine_for(app.database_url).begin() as conn:
        first = insert_request(conn)
        insert_request(conn, village.second_config_id, village.second_shared.id,
                       village.letter_formats["surat-keterangan-usaha"])
    assert [r["id"] for r in app.admin().list_permohonan()] == [first]
