"""OpenSID's complaints table, `pengaduan`: residents' complaints and the office's answers.

A row with `id_pengaduan` NULL is a complaint; a row with `id_pengaduan` = a complaint's id is
an answer to it, as OpenSID's admin (Pengaduan_admin::kirim) writes one: the answer's text in
`isi`, the staff member's name in `nama`, the status chosen in `status` (set on the complaint,
and on every earlier answer, too). OpenSID's public website lists every complaint of the
village with its name, text, photo and answers: the bot writes here only what a resident chose
to make public (services/letter_service/complaints/records.py says how a private one is kept).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from libs.siades.base import MYSQL_TABLE_ARGS, Base, VillageRow, newer_column
from libs.siades.coltypes import Timestamp, TinyInt


class Pengaduan(VillageRow, Base):
    """pengaduan: a complaint (`parent_id` NULL) or an answer to one."""

    __tablename__ = "pengaduan"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column("id_pengaduan", Integer)
    nik: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column("nama", String(100))
    email: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column("telepon", String(20))
    title: Mapped[str | None] = mapped_column("judul", String(100))
    body: Mapped[str] = mapped_column("isi", Text)
    status: Mapped[int] = mapped_column(  # a ComplaintState
        TinyInt, default=1, server_default=text("1"))
    # A file in OpenSID's desa/upload/pengaduan/.
    photo: Mapped[str | None] = mapped_column("foto", String(100))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.current_timestamp())
    # OpenSID >= 23.12: NOT NULL, the sender's address (the bot says "telegram").
    ip_address: Mapped[str | None] = newer_column("ip_address", String(100))
