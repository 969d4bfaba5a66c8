"""OpenSID's assistance programs (program) and their participants (program_peserta)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.siades.base import (
    MYSQL_TABLE_ARGS,
    Base,
    SharedVillageRow,
    VillageRow,
    older_column,
)
from libs.siades.coltypes import MediumInt, TinyInt, fixed_char

# program.sasaran: what program_peserta.peserta holds.
TARGET_PERSON = 1  # the person's NIK
TARGET_FAMILY = 2  # the family's No KK (tweb_keluarga.no_kk)
TARGET_HOUSEHOLD = 3  # the household's number (tweb_rtm.no_kk)
TARGET_GROUP = 4  # a group (kelompok) id

ACTIVE = 1  # program.status: OpenSID's "Aktif" flag


class Program(SharedVillageRow, Base):
    """A free-text program row (PKH, BPNT, JAMKESMAS...): match it by `name`."""

    __tablename__ = "program"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column("nama", String(100))
    target: Mapped[int | None] = mapped_column("sasaran", TinyInt)
    description: Mapped[str | None] = mapped_column("ndesc", String(500))
    start_date: Mapped[date] = mapped_column("sdate", Date)
    end_date: Mapped[date] = mapped_column("edate", Date)
    # NOT NULL in 22.12, gone from 23.12: an INSERT always names it, which is right because
    # only init-db's 22.12 shape ever gets programs from us (seed-demo); reads never name it.
    userid: Mapped[int | None] = older_column("userid", MediumInt, default=0)
    status: Mapped[int] = mapped_column(TinyInt, default=0, server_default=text("0"))  # ACTIVE
    asaldana: Mapped[str | None] = mapped_column(fixed_char(30))  # source of funds

    participants: Mapped[list[ProgramParticipant]] = relationship(
        primaryjoin="Program.id == foreign(ProgramParticipant.program_id)", viewonly=True
    )


class ProgramParticipant(VillageRow, Base):
    """One participant; `participant` is a NIK, No KK, household number or group per sasaran."""

    __tablename__ = "program_peserta"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant: Mapped[str] = mapped_column("peserta", String(30))
    program_id: Mapped[int] = mapped_column(Integer)
    card_number: Mapped[str | None] = mapped_column("no_id_kartu", String(30))
    kartu_nik: Mapped[str] = mapped_column(String(30))
    kartu_nama: Mapped[str] = mapped_column(String(100))
    kartu_tempat_lahir: Mapped[str] = mapped_column(String(100), default="", server_default="")
    kartu_tanggal_lahir: Mapped[date] = mapped_column(Date)
    kartu_alamat: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kartu_id_pend: Mapped[int | None] = mapped_column(Integer)  # tweb_penduduk.id

    program: Mapped[Program | None] = relationship(
        primaryjoin="foreign(ProgramParticipant.program_id) == Program.id", viewonly=True
    )
