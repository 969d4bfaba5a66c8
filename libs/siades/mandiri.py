"""OpenSID's Layanan Mandiri accounts (`tweb_penduduk_mandiri`), only as far as the village office
needs one to process a bot request in OpenSID's own admin.

OpenSID >= 23.12 records, when an operator opens a letter request ("periksa"), a notification
for the resident's Layanan Mandiri account (`log_notifikasi_mandiri.id_user_mandiri`, a foreign
key to `tweb_penduduk_mandiri`), and answers HTTP 500 for a resident without one: most residents
who use the bot. So when such a resident files a request through the bot, the same transaction
adds an account nobody can use:

- inactive (`aktif` 0), as OpenSID leaves an account a resident registered for until the office
  verifies it;
- with a `pin` no PIN can match: OpenSID compares md5 hex digests, and ours is not hex.

So nobody can log in to Layanan Mandiri with it, by NIK and PIN or by e-KTP at the kiosk. The
office gives the resident a working PIN only by choosing "Reset PIN" in Layanan Mandiri ->
Pendaftar, as for any resident who asks for one.

The table is OpenSID's alone: init-db never creates it, so the model has a registry of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from libs.siades.village import village_of

UNUSABLE_PIN = "telegram-bot:no-pin-was-given".ljust(32, "-")  # char(32); md5 hex never matches


class _OpenSIDOnly(DeclarativeBase):
    """Tables only OpenSID makes, outside Base.metadata (init-db and its checks never see
    them)."""


class MandiriAccount(_OpenSIDOnly):
    """tweb_penduduk_mandiri: a resident's Layanan Mandiri account, keyed by tweb_penduduk.id."""

    __tablename__ = "tweb_penduduk_mandiri"
    resident_id: Mapped[int] = mapped_column("id_pend", Integer, primary_key=True)
    config_id: Mapped[int | None] = mapped_column(Integer)
    pin: Mapped[str] = mapped_column(String(32))
    active: Mapped[int | None] = mapped_column("aktif", Integer)
    must_change_pin: Mapped[int] = mapped_column("ganti_pin", Integer)
    created_at: Mapped[datetime | None] = mapped_column("tanggal_buat", DateTime)


def ensure_account(session: Session, resident_id: int, local_now: datetime) -> bool:
    """Give the resident the unusable account OpenSID's periksa page needs, where the village's
    OpenSID has Layanan Mandiri accounts and the resident has none; True if it was added."""
    village = village_of(session)
    if village is None or not village.layanan_mandiri:
        return False
    found = session.scalar(select(MandiriAccount.resident_id)
                           .where(MandiriAccount.resident_id == resident_id))
    if found is not None:  # the resident's own account, or one we added before: leave it be
        return False
    session.add(MandiriAccount(resident_id=resident_id, config_id=village.config_id,
                               pin=UNUSABLE_PIN, active=0, must_change_pin=1,
                               created_at=local_now))
    session.flush()
    return True
