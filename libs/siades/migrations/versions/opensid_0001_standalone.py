"""OpenSID 22.12's tables that our models use, for a database without OpenSID: those absent.

Revision ID: opensid_0001
Revises: (root of the `opensid` branch)
Create Date: 2026-12-01

Beside a real OpenSID every one of these tables exists and this revision creates nothing: only
OpenSID's own migrations (its `migrasi` table) change OpenSID's tables. Columns are the subset our
models map, in OpenSID's types on MariaDB and the nearest portable type elsewhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from libs.siades.migrations.helpers import absent, table_creator

revision: str = "opensid_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("opensid",)
depends_on: str | Sequence[str] | None = None

_MY = ("mysql", "mariadb")
TINYINT = sa.SmallInteger().with_variant(mysql.TINYINT(), *_MY)
UTINYINT = sa.SmallInteger().with_variant(mysql.TINYINT(unsigned=True), *_MY)
UINT = sa.Integer().with_variant(mysql.INTEGER(unsigned=True), *_MY)
MEDIUMINT = sa.Integer().with_variant(mysql.MEDIUMINT(), *_MY)
TIMESTAMP = sa.DateTime().with_variant(mysql.TIMESTAMP(), *_MY)
NOW = sa.text("CURRENT_TIMESTAMP")

# id + nama lookup tables: id type, length of nama, whether nama may be NULL.
LOOKUPS = {
    "tweb_golongan_darah": (sa.Integer(), 15, True),
    "tweb_penduduk_agama": (UINT, 100, False),
    "tweb_penduduk_hubungan": (sa.Integer(), 100, False),
    "tweb_penduduk_kawin": (UINT, 100, False),
    "tweb_penduduk_pekerjaan": (UINT, 100, True),
    "tweb_penduduk_pendidikan_kk": (UINT, 50, False),
    "tweb_penduduk_sex": (UINT, 15, True),
    "tweb_penduduk_warganegara": (UINT, 25, True),
    "tweb_status_dasar": (UINT, 50, True),
}
TABLES = (
    *LOOKUPS, "config", "log_surat", "permohonan_surat", "program", "program_peserta",
    "setting_aplikasi", "tweb_keluarga", "tweb_penduduk", "tweb_rtm", "tweb_surat_format",
    "tweb_wil_clusterdesa",
)


def column(name: str, type_, nullable: bool = True, **kw) -> sa.Column:
    """A column, nullable unless said otherwise (as OpenSID's mostly are)."""
    return sa.Column(name, type_, nullable=nullable, **kw)


def keys(table: str, *unique: str) -> list[sa.Constraint]:
    """The primary key on id, and a unique constraint per column named."""
    return [
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        *(sa.UniqueConstraint(c, name=op.f(f"uq_{table}_{c}")) for c in unique),
    ]


def upgrade() -> None:
    """Create the OpenSID tables the database lacks; leave every existing one as it is."""
    create = table_creator(absent(TABLES))
    for name, (id_type, length, nullable) in LOOKUPS.items():
        create(name, column("id", id_type, False), column("nama", sa.String(length), nullable),
               *keys(name))
    create_people(create)
    create_letters(create)
    create_programs(create)


def create_people(create) -> None:
    """Areas, families, households and residents."""
    create(
        "tweb_wil_clusterdesa",
        column("id", sa.Integer(), False),
        column("rt", sa.String(10), False, server_default="0"),
        column("rw", sa.String(10), False, server_default="0"),
        column("dusun", sa.String(50), False, server_default="0"),
        column("id_kepala", sa.Integer()),
        *keys("tweb_wil_clusterdesa"),
        sa.UniqueConstraint("rt", "rw", "dusun", name=op.f("uq_tweb_wil_clusterdesa_rt_rw_dusun")),
        indexes={"ix_tweb_wil_clusterdesa_id_kepala": ["id_kepala"]},
    )
    create(
        "tweb_keluarga",
        column("id", sa.Integer(), False),
        column("no_kk", sa.String(16)),
        column("nik_kepala", sa.String(200)),
        column("tgl_daftar", TIMESTAMP, server_default=NOW),
        column("kelas_sosial", sa.Integer()),
        column("alamat", sa.String(200)),
        column("id_cluster", sa.Integer(), False),
        column("updated_at", TIMESTAMP, False, server_default=NOW),
        column("updated_by", sa.Integer(), False),
        *keys("tweb_keluarga", "no_kk"),
        indexes={"ix_tweb_keluarga_nik_kepala": ["nik_kepala"]},
    )
    create(
        "tweb_rtm",
        column("id", sa.Integer(), False),
        column("nik_kepala", sa.Integer(), False),
        column("no_kk", sa.String(30), False),
        column("tgl_daftar", TIMESTAMP, False, server_default=NOW),
        column("kelas_sosial", sa.Integer()),
        column("bdt", sa.String(16)),
        *keys("tweb_rtm", "no_kk"),
    )
    create(
        "tweb_penduduk",
        column("id", sa.Integer(), False),
        column("nama", sa.String(100), False),
        column("nik", sa.String(16)),
        column("id_kk", sa.Integer(), server_default=sa.text("0")),
        column("kk_level", TINYINT),
        column("id_rtm", sa.String(30)),
        column("rtm_level", sa.Integer()),
        column("sex", UTINYINT),
        column("tempatlahir", sa.String(100)),
        column("tanggallahir", sa.Date()),
        column("agama_id", sa.Integer()),
        column("pendidikan_kk_id", sa.Integer()),
        column("pekerjaan_id", sa.Integer()),
        column("status_kawin", TINYINT),
        column("warganegara_id", TINYINT, False, server_default=sa.text("1")),
        column("golongan_darah_id", sa.Integer()),
        column("id_cluster", sa.Integer(), False),
        column("status", UINT),
        column("alamat_sekarang", sa.String(200)),
        column("status_dasar", TINYINT, False, server_default=sa.text("1")),
        column("telepon", sa.String(20)),
        column("created_at", TIMESTAMP, False, server_default=NOW),
        column("created_by", sa.Integer(), False),
        column("updated_at", TIMESTAMP, False, server_default=NOW),
        column("updated_by", sa.Integer()),
        column("telegram", sa.String(100)),
        column("telegram_token", sa.String(100)),
        column("telegram_tgl_kadaluarsa", sa.DateTime()),
        column("telegram_tgl_verifikasi", sa.DateTime()),
        column("hubung_warga", sa.String(50), False, server_default="Telegram"),
        *keys("tweb_penduduk", "nik", "telegram", "telegram_token"),
        indexes={"ix_tweb_penduduk_hubung_warga": ["hubung_warga"],
                 "ix_tweb_penduduk_id_rtm": ["id_rtm"]},
    )


def create_letters(create) -> None:
    """Letter formats, issued letters, requests, settings and the village identity."""
    create(
        "tweb_surat_format",
        column("id", sa.Integer(), False),
        column("nama", sa.String(100), False),
        column("url_surat", sa.String(100), False),
        column("kode_surat", sa.String(10)),
        column("lampiran", sa.String(100)),
        column("kunci", TINYINT, False, server_default=sa.text("0")),
        column("favorit", TINYINT, False, server_default=sa.text("0")),
        column("jenis", TINYINT, False, server_default=sa.text("2")),
        column("mandiri", TINYINT, server_default=sa.text("0")),
        column("masa_berlaku", sa.Integer(), server_default=sa.text("1")),
        column("satuan_masa_berlaku", sa.String(15), server_default="M"),
        column("qr_code", TINYINT, False, server_default=sa.text("0")),
        *keys("tweb_surat_format", "url_surat"),
    )
    create(
        "log_surat",
        column("id", sa.Integer(), False),
        column("id_format_surat", sa.Integer(), False),
        column("id_pend", sa.Integer()),
        column("id_pamong", sa.Integer(), False),
        column("id_user", sa.Integer(), False),
        column("tanggal", TIMESTAMP, False, server_default=NOW),
        column("bulan", sa.String(2)),
        column("tahun", sa.String(4)),
        column("no_surat", sa.String(20)),
        column("nama_surat", sa.String(100)),
        column("lampiran", sa.String(100)),
        column("nik_non_warga", sa.Numeric(16, 0)),
        column("nama_non_warga", sa.String(100)),
        column("keterangan", sa.String(200)),
        column("lokasi_arsip", sa.String(150), server_default=""),
        *keys("log_surat"),
    )
    create(
        "permohonan_surat",
        column("id", sa.Integer(), False),
        column("id_pemohon", sa.Integer(), False),
        column("id_surat", sa.Integer(), False),
        column("isian_form", sa.Text(), False),
        column("status", TINYINT, False, server_default=sa.text("0")),
        column("keterangan", sa.Text()),
        column("no_hp_aktif", sa.String(50), False),
        column("syarat", sa.Text(), False),
        column("created_at", TIMESTAMP, False, server_default=NOW),
        column("updated_at", TIMESTAMP, False, server_default=NOW),
        column("no_antrian", sa.String(100)),
        *keys("permohonan_surat"),
    )
    create(
        "setting_aplikasi",
        column("id", sa.Integer(), False),
        column("key", sa.String(50)),
        column("value", sa.Text()),
        column("keterangan", sa.String(200)),
        column("jenis", sa.String(30)),
        column("kategori", sa.String(30)),
        *keys("setting_aplikasi", "key"),
    )
    create(
        "config",
        column("id", sa.Integer(), False),
        column("nama_desa", sa.String(100), False),
        column("kode_desa", sa.String(100), False),
        column("kode_pos", sa.Integer()),
        column("nama_kecamatan", sa.String(100), False),
        column("kode_kecamatan", sa.String(100), False),
        column("nama_kepala_camat", sa.String(100), False),
        column("nip_kepala_camat", sa.String(100), False),
        column("nama_kabupaten", sa.String(100), False),
        column("kode_kabupaten", sa.String(100), False),
        column("nama_propinsi", sa.String(100), False),
        column("kode_propinsi", sa.String(100), False),
        column("logo", sa.String(100)),
        column("alamat_kantor", sa.String(200)),
        column("email_desa", sa.String(50)),
        column("telepon", sa.String(50)),
        column("website", sa.String(100)),
        *keys("config"),
    )


def create_programs(create) -> None:
    """Assistance programs and their participants."""
    create(
        "program",
        column("id", sa.Integer(), False),
        column("nama", sa.String(100), False),
        column("sasaran", TINYINT),
        column("ndesc", sa.String(500)),
        column("sdate", sa.Date(), False),
        column("edate", sa.Date(), False),
        column("userid", MEDIUMINT, False),
        column("status", TINYINT, False, server_default=sa.text("0")),
        column("asaldana", sa.String(30).with_variant(sa.CHAR(30), *_MY)),
        *keys("program"),
    )
    create(
        "program_peserta",
        column("id", sa.Integer(), False),
        column("peserta", sa.String(30), False),
        column("program_id", sa.Integer(), False),
        column("no_id_kartu", sa.String(30)),
        column("kartu_nik", sa.String(30), False),
        column("kartu_nama", sa.String(100), False),
        column("kartu_tempat_lahir", sa.String(100), False, server_default=""),
        column("kartu_tanggal_lahir", sa.Date(), False),
        column("kartu_alamat", sa.String(200), False, server_default=""),
        column("kartu_id_pend", sa.Integer()),
        *keys("program_peserta"),
    )


def downgrade() -> None:
    """Drop nothing: these tables hold the village's registry, which no migration removes."""
