"""OpenSID's letter tables and village identity: formats, issued letters, requests, settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from libs.siades.base import MYSQL_TABLE_ARGS, Base, VillageRow, newer_column
from libs.siades.coltypes import Timestamp, TinyInt
from libs.vocabulary.states import RequestState


class LetterFormat(VillageRow, Base):
    """tweb_surat_format: a kind of letter, identified by its `slug` (url_surat)."""

    __tablename__ = "tweb_surat_format"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))
    slug: Mapped[str] = mapped_column("url_surat", String(100), unique=True)
    code: Mapped[str | None] = mapped_column("kode_surat", String(10))  # e.g. S-14
    attachment: Mapped[str | None] = mapped_column("lampiran", String(100))
    locked: Mapped[int] = mapped_column("kunci", TinyInt, default=0, server_default=text("0"))
    favourite: Mapped[int] = mapped_column("favorit", TinyInt, default=0, server_default=text("0"))
    kind: Mapped[int] = mapped_column("jenis", TinyInt, default=2, server_default=text("2"))
    self_service: Mapped[int | None] = mapped_column(
        "mandiri", TinyInt, default=0, server_default=text("0")
    )
    validity: Mapped[int | None] = mapped_column(
        "masa_berlaku", Integer, default=1, server_default=text("1")
    )
    validity_unit: Mapped[str | None] = mapped_column(
        "satuan_masa_berlaku", String(15), default="M", server_default="M"
    )
    qr_code: Mapped[int] = mapped_column(TinyInt, default=0, server_default=text("0"))
    # OpenSID >= 23.12 (TinyMCE formats, `kind` 3 and 4): the form's fields as JSON
    # ([{"tipe": "text", "kode": "[form_nama_usaha]", "nama": "Nama Usaha", ...}]) and the
    # requirements as a JSON list of ref_syarat_surat ids.
    field_spec: Mapped[str | None] = newer_column("kode_isian", Text)
    requirement_spec: Mapped[str | None] = newer_column("syarat_surat", Text)


class LetterLog(VillageRow, Base):
    """log_surat: an issued letter; `number` is the sequence number only."""

    __tablename__ = "log_surat"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    format_id: Mapped[int] = mapped_column("id_format_surat", Integer)
    resident_id: Mapped[int | None] = mapped_column("id_pend", Integer)
    # tweb_desa_pamong.pamong_id and user.id: NOT NULL in 22.12, foreign keys (NULL allowed)
    # from 23.12 on; the bot's signers are neither, so 0 or NULL (services/letter_service/issuing)
    official_id: Mapped[int] = mapped_column("id_pamong", Integer)
    user_id: Mapped[int] = mapped_column("id_user", Integer)
    issued_at: Mapped[datetime] = mapped_column(
        "tanggal", Timestamp, server_default=func.current_timestamp()
    )
    month: Mapped[str | None] = mapped_column("bulan", String(2))
    year: Mapped[str | None] = mapped_column("tahun", String(4))
    number: Mapped[str | None] = mapped_column("no_surat", String(20))
    file_name: Mapped[str | None] = mapped_column("nama_surat", String(100))
    attachment: Mapped[str | None] = mapped_column("lampiran", String(100))
    non_resident_nik: Mapped[Decimal | None] = mapped_column("nik_non_warga", Numeric(16, 0))
    non_resident_name: Mapped[str | None] = mapped_column("nama_non_warga", String(100))
    note: Mapped[str | None] = mapped_column("keterangan", String(200))
    archive_location: Mapped[str | None] = mapped_column(
        "lokasi_arsip", String(150), default="", server_default=""
    )
    # OpenSID >= 23.12: who signed, by name (the bot's signers are not tweb_desa_pamong rows),
    # whether the letter is a draft (0 Konsep) or printed (1 Cetak), and the operator's check
    # (1: OpenSID's archive lists it as "Siap Cetak"; NULL reads "Menunggu").
    official_name: Mapped[str | None] = newer_column("nama_pamong", String(100))
    official_title: Mapped[str | None] = newer_column("nama_jabatan", String(100))
    state: Mapped[int | None] = newer_column("status", TinyInt)
    operator_checked: Mapped[int | None] = newer_column("verifikasi_operator", TinyInt)


class LetterRequest(VillageRow, Base):
    """permohonan_surat: a resident's online request, as OpenSID's self-service writes it."""

    __tablename__ = "permohonan_surat"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column("id_pemohon", Integer)
    format_id: Mapped[int] = mapped_column("id_surat", Integer)
    form: Mapped[str] = mapped_column("isian_form", Text)  # JSON of the filled fields
    status: Mapped[int] = mapped_column(  # a RequestState
        TinyInt, default=int(RequestState.INCOMPLETE),
        server_default=text(str(int(RequestState.INCOMPLETE))),
    )
    note: Mapped[str | None] = mapped_column("keterangan", Text)
    phone: Mapped[str] = mapped_column("no_hp_aktif", String(50), default="")
    requirements: Mapped[str] = mapped_column("syarat", Text, default="[]")  # JSON
    created_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    queue_number: Mapped[str | None] = mapped_column("no_antrian", String(100))


class Setting(VillageRow, Base):
    """setting_aplikasi: OpenSID's key/value settings (e.g. `format_nomor_surat`)."""

    __tablename__ = "setting_aplikasi"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(50), unique=True)
    value: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column("keterangan", String(200))
    kind: Mapped[str | None] = mapped_column("jenis", String(30))
    category: Mapped[str | None] = mapped_column("kategori", String(30))


class VillageConfig(Base):
    """config: the village identity printed on letter headers."""

    __tablename__ = "config"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_name: Mapped[str] = mapped_column("nama_desa", String(100))
    village_code: Mapped[str] = mapped_column("kode_desa", String(100))
    postal_code: Mapped[int | None] = mapped_column("kode_pos", Integer)
    district_name: Mapped[str] = mapped_column("nama_kecamatan", String(100))
    district_code: Mapped[str] = mapped_column("kode_kecamatan", String(100))
    district_head_name: Mapped[str] = mapped_column("nama_kepala_camat", String(100), default="")
    district_head_nip: Mapped[str] = mapped_column("nip_kepala_camat", String(100), default="")
    regency_name: Mapped[str] = mapped_column("nama_kabupaten", String(100))
    regency_code: Mapped[str] = mapped_column("kode_kabupaten", String(100))
    province_name: Mapped[str] = mapped_column("nama_propinsi", String(100))
    province_code: Mapped[str] = mapped_column("kode_propinsi", String(100))
    logo: Mapped[str | None] = mapped_column(String(100))
    office_address: Mapped[str | None] = mapped_column("alamat_kantor", String(200))
    email: Mapped[str | None] = mapped_column("email_desa", String(50))
    phone: Mapped[str | None] = mapped_column("telepon", String(50))
    website: Mapped[str | None] = mapped_column(String(100))
