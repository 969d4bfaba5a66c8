"""OpenSID's people tables: residents, families, households, areas and their lookups.

Only the columns we use are mapped, plus every NOT NULL column without a server default
(given a Python default, so our inserts work on a real OpenSID database). OpenSID declares no
foreign keys between these tables (`id_kk` is 0 for "no family"), so neither do we: the
relationships below are view-only joins.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.siades.base import MYSQL_TABLE_ARGS, Base, VillageRow
from libs.siades.coltypes import Timestamp, TinyInt, UInt, UTinyInt

ALIVE = 1  # tweb_status_dasar: 1 HIDUP, 2 MATI, 3 PINDAH, 4 HILANG, 6 PERGI, 9 TIDAK VALID
HEAD_OF_FAMILY = 1  # tweb_penduduk_hubungan: 1 KEPALA KELUARGA, 2 SUAMI, 3 ISTRI, 4 ANAK, ...


# --- lookups: id + nama, as OpenSID declares them ---------------------------------------------


class Sex(Base):
    __tablename__ = "tweb_penduduk_sex"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str | None] = mapped_column("nama", String(15))


class Religion(Base):
    __tablename__ = "tweb_penduduk_agama"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))


class MaritalStatus(Base):
    __tablename__ = "tweb_penduduk_kawin"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))


class FamilyRole(Base):
    __tablename__ = "tweb_penduduk_hubungan"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))


class Education(Base):
    __tablename__ = "tweb_penduduk_pendidikan_kk"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(50))


class Occupation(Base):
    __tablename__ = "tweb_penduduk_pekerjaan"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str | None] = mapped_column("nama", String(100))


class Citizenship(Base):
    __tablename__ = "tweb_penduduk_warganegara"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str | None] = mapped_column("nama", String(25))


class BaseStatus(Base):
    __tablename__ = "tweb_status_dasar"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(UInt, primary_key=True)
    name: Mapped[str | None] = mapped_column("nama", String(50))


class BloodType(Base):
    __tablename__ = "tweb_golongan_darah"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column("nama", String(15))


# --- places, families, households, people ------------------------------------------------------


class Area(VillageRow, Base):
    """tweb_wil_clusterdesa: a row per dusun, per RW and per RT ('0' or '-' where none)."""

    __tablename__ = "tweb_wil_clusterdesa"
    __table_args__ = (UniqueConstraint("rt", "rw", "dusun"), MYSQL_TABLE_ARGS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rt: Mapped[str] = mapped_column(String(10), default="0", server_default="0")
    rw: Mapped[str] = mapped_column(String(10), default="0", server_default="0")
    dusun: Mapped[str] = mapped_column(String(50), default="0", server_default="0")
    head_id: Mapped[int | None] = mapped_column("id_kepala", Integer, index=True)


class Family(VillageRow, Base):
    """tweb_keluarga: one Kartu Keluarga."""

    __tablename__ = "tweb_keluarga"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no_kk: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Trap: despite the name this holds tweb_penduduk.id of the head: text in 22.12, an integer
    # (with a foreign key) from 23.12 on, so the driver hands back either.
    head_id: Mapped[str | int | None] = mapped_column("nik_kepala", String(200), index=True)
    registered_at: Mapped[datetime | None] = mapped_column(
        "tgl_daftar", Timestamp, nullable=True, server_default=func.current_timestamp()
    )
    social_class: Mapped[int | None] = mapped_column("kelas_sosial", Integer)
    address: Mapped[str | None] = mapped_column("alamat", String(200))
    area_id: Mapped[int] = mapped_column("id_cluster", Integer)
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    updated_by: Mapped[int] = mapped_column(Integer, default=0)

    area: Mapped[Area | None] = relationship(
        primaryjoin="foreign(Family.area_id) == Area.id", viewonly=True
    )
    members: Mapped[list[Resident]] = relationship(
        primaryjoin="Family.id == foreign(Resident.family_id)", viewonly=True
    )

    @property
    def head_resident_id(self) -> int | None:
        """tweb_penduduk.id of the head, parsed from the misnamed `nik_kepala`."""
        text = str(self.head_id if self.head_id is not None else "").strip()
        return int(text) if text.isdigit() else None


class Household(VillageRow, Base):
    """tweb_rtm: a rumah tangga; residents point at it by `no_kk` through tweb_penduduk.id_rtm."""

    __tablename__ = "tweb_rtm"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_id: Mapped[int] = mapped_column("nik_kepala", Integer)  # tweb_penduduk.id, as int here
    no_kk: Mapped[str] = mapped_column(String(30), unique=True)
    registered_at: Mapped[datetime] = mapped_column(
        "tgl_daftar", Timestamp, server_default=func.current_timestamp()
    )
    social_class: Mapped[int | None] = mapped_column("kelas_sosial", Integer)
    bdt: Mapped[str | None] = mapped_column(String(16))


def _lookup(target: str, column: str):
    return relationship(
        target, primaryjoin=f"foreign(Resident.{column}) == {target}.id", viewonly=True
    )


class Resident(VillageRow, Base):
    """tweb_penduduk: one person in the registry, alive or not (see `base_status`)."""

    __tablename__ = "tweb_penduduk"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    family_id: Mapped[int | None] = mapped_column("id_kk", Integer, server_default=text("0"))
    family_role_id: Mapped[int | None] = mapped_column("kk_level", TinyInt)
    # Holds tweb_rtm.no_kk (not its id); OpenSID writes '0' when not in a household.
    household_no: Mapped[str | None] = mapped_column("id_rtm", String(30), index=True)
    household_role_id: Mapped[int | None] = mapped_column("rtm_level", Integer)
    sex_id: Mapped[int | None] = mapped_column("sex", UTinyInt)
    birth_place: Mapped[str | None] = mapped_column("tempatlahir", String(100))
    birth_date: Mapped[date | None] = mapped_column("tanggallahir", Date)
    religion_id: Mapped[int | None] = mapped_column("agama_id", Integer)
    education_id: Mapped[int | None] = mapped_column("pendidikan_kk_id", Integer)
    occupation_id: Mapped[int | None] = mapped_column("pekerjaan_id", Integer)
    marital_status_id: Mapped[int | None] = mapped_column("status_kawin", TinyInt)
    citizenship_id: Mapped[int] = mapped_column(
        "warganegara_id", TinyInt, default=1, server_default=text("1")
    )
    blood_type_id: Mapped[int | None] = mapped_column("golongan_darah_id", Integer)
    area_id: Mapped[int] = mapped_column("id_cluster", Integer)
    residency_status: Mapped[int | None] = mapped_column("status", UInt)  # 1 TETAP, 2 TIDAK TETAP
    address: Mapped[str | None] = mapped_column("alamat_sekarang", String(200))
    base_status: Mapped[int] = mapped_column(
        "status_dasar", TinyInt, default=ALIVE, server_default=text(str(ALIVE))
    )
    phone: Mapped[str | None] = mapped_column("telepon", String(20))
    created_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    created_by: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp(), onupdate=func.current_timestamp()
    )
    updated_by: Mapped[int | None] = mapped_column(Integer, default=0)
    # The Telegram chat id, as text: OpenSID's own column, which its broadcasts read.
    telegram: Mapped[str | None] = mapped_column(String(100), unique=True)
    telegram_token: Mapped[str | None] = mapped_column(String(100), unique=True)
    telegram_expires_at: Mapped[datetime | None] = mapped_column(
        "telegram_tgl_kadaluarsa", DateTime
    )
    telegram_verified_at: Mapped[datetime | None] = mapped_column(
        "telegram_tgl_verifikasi", DateTime
    )
    contact_channel: Mapped[str] = mapped_column(
        "hubung_warga", String(50), default="Telegram", server_default="Telegram", index=True
    )

    family: Mapped[Family | None] = relationship(
        primaryjoin="foreign(Resident.family_id) == Family.id", viewonly=True
    )
    area: Mapped[Area | None] = relationship(
        primaryjoin="foreign(Resident.area_id) == Area.id", viewonly=True
    )
    sex: Mapped[Sex | None] = _lookup("Sex", "sex_id")
    religion: Mapped[Religion | None] = _lookup("Religion", "religion_id")
    education: Mapped[Education | None] = _lookup("Education", "education_id")
    occupation: Mapped[Occupation | None] = _lookup("Occupation", "occupation_id")
    marital_status: Mapped[MaritalStatus | None] = _lookup("MaritalStatus", "marital_status_id")
    citizenship: Mapped[Citizenship | None] = _lookup("Citizenship", "citizenship_id")
    family_role: Mapped[FamilyRole | None] = _lookup("FamilyRole", "family_role_id")
    blood_type: Mapped[BloodType | None] = _lookup("BloodType", "blood_type_id")

    @property
    def is_alive(self) -> bool:
        """True for status_dasar 1 (HIDUP), the only residents who may register or be served."""
        return self.base_status == ALIVE


# Registered on the same Base; importing them here makes `models` the one import that
# brings every OpenSID table into Base.metadata.
from libs.siades.complaints import Pengaduan  # noqa: E402
from libs.siades.letters import (  # noqa: E402
    LetterFormat,
    LetterLog,
    LetterRequest,
    Setting,
    VillageConfig,
)
from libs.siades.programs import Program, ProgramParticipant  # noqa: E402

LOOKUP_MODELS = (
    Sex, Religion, MaritalStatus, FamilyRole, Education, Occupation, Citizenship, BaseStatus,
    BloodType,
)

__all__ = [
    "ALIVE", "HEAD_OF_FAMILY", "LOOKUP_MODELS", "Area", "BaseStatus", "BloodType", "Citizenship",
    "Education", "Family", "FamilyRole", "Household", "LetterFormat", "LetterLog",
    "LetterRequest", "MaritalStatus", "Occupation", "Pengaduan", "Program",
    "ProgramParticipant", "Religion", "Resident", "Setting", "Sex", "VillageConfig",
]
