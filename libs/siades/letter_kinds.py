"""The five letters residents request in the chat, each tied to one OpenSID letter format.

A kind's `fields` are what the resident fills in, in the order of the one-line syntax
(`SKU#bentuk usaha#tujuan#kegunaan`); they are stored as JSON in `permohonan_surat.isian_form`.
`init-db` adds the formats a database lacks (OpenSID 22.12 has no "belum pernah menikah") and
never changes existing rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.siades.letters import LetterFormat, Setting

# OpenSID's default `format_nomor_surat`, for a database without one: S-14/007/3517092006/XI/2026
DEFAULT_NUMBER_FORMAT = "[kode_surat]/[nomor_surat, 3]/[kode_desa]/[bulan_romawi]/[tahun]"


@dataclass(frozen=True)
class Field:
    """One answer the resident gives: its JSON key, how it is asked and shown, its bounds."""

    name: str
    label: str
    question: str
    min_length: int = 3
    max_length: int = 200


@dataclass(frozen=True)
class LetterKind:
    code: str  # what residents type: SKU, SKD, ...
    title: str
    slug: str  # tweb_surat_format.url_surat
    format_code: str  # tweb_surat_format.kode_surat for a database that lacks the format
    format_name: str
    fields: tuple[Field, ...]
    example: tuple[str, ...]
    statement: str  # the letter's body; {field names} are filled in

    @property
    def syntax(self) -> str:
        return "#".join([self.code, *(f.label for f in self.fields)])

    @property
    def example_text(self) -> str:
        return "#".join([self.code, *self.example])


PURPOSE = Field("tujuan", "tujuan surat", "Surat ini ditujukan kepada siapa/instansi apa?")
USE = Field("kegunaan", "kegunaan surat", "Surat ini untuk keperluan apa?")

KINDS: dict[str, LetterKind] = {kind.code: kind for kind in (
    LetterKind(
        "SKU", "Surat Keterangan Usaha", "surat_ket_usaha", "S-14", "Keterangan Usaha",
        (Field("usaha", "bentuk usaha", "Apa bentuk usaha Anda?"), PURPOSE, USE),
        ("Peternakan Ayam", "Bank BNI", "Pengajuan Pinjaman Modal"),
        "benar-benar mempunyai usaha {usaha} yang berlokasi di desa kami.",
    ),
    LetterKind(
        "SKD", "Surat Keterangan Domisili", "surat_ket_domisili", "S-41", "Keterangan Domisili",
        (PURPOSE, USE), ("Kantor Kecamatan", "Persyaratan Beasiswa"),
        "benar-benar berdomisili di alamat tersebut di atas.",
    ),
    LetterKind(
        "SKCK", "Surat Pengantar SKCK", "surat_ket_catatan_kriminal", "S-07",
        "Pengantar Surat Keterangan Catatan Kepolisian",
        (PURPOSE, USE), ("Polsek Jogoroto", "Melamar Pekerjaan"),
        "berkelakuan baik dan tidak pernah tersangkut perkara pidana sepanjang pengetahuan kami; "
        "surat ini diberikan sebagai pengantar pembuatan Surat Keterangan Catatan Kepolisian.",
    ),
    LetterKind(
        "SKBPN", "Surat Keterangan Belum Pernah Menikah", "surat_ket_belum_pernah_menikah",
        "S-51", "Keterangan Belum Pernah Menikah",
        (PURPOSE, USE), ("KUA Jogoroto", "Persyaratan Menikah"),
        "sampai dengan tanggal surat ini belum pernah menikah.",
    ),
    LetterKind(
        "SKUM", "Surat Keterangan Umum", "surat_ket_pengantar", "S-01", "Keterangan Pengantar",
        (Field("keterangan", "keterangan", "Apa yang perlu diterangkan dalam surat ini?"),
         PURPOSE, USE),
        ("Tidak memiliki kendaraan bermotor", "Sekolah", "Persyaratan Beasiswa"),
        "{keterangan}.",
    ),
)}


def ensure_formats(session: Session) -> int:
    """Add the letter formats (and the numbering setting) the database lacks; returns how many
    formats were added."""
    have = set(session.scalars(select(LetterFormat.slug)))
    missing = [kind for kind in KINDS.values() if kind.slug not in have]
    for kind in missing:
        session.add(LetterFormat(slug=kind.slug, name=kind.format_name, code=kind.format_code,
                                 self_service=1))
    if session.scalar(select(Setting.id).where(Setting.key == "format_nomor_surat")) is None:
        session.add(Setting(key="format_nomor_surat", value=DEFAULT_NUMBER_FORMAT, kind="text",
                            category="format_surat", description="Format penomoran surat"))
    return len(missing)


def format_ids(session: Session) -> dict[str, int]:
    """Kind code -> tweb_surat_format.id, for the kinds the database has."""
    rows = session.execute(select(LetterFormat.slug, LetterFormat.id).where(
        LetterFormat.slug.in_([kind.slug for kind in KINDS.values()])))
    by_slug = dict(rows.all())
    return {code: by_slug[kind.slug] for code, kind in KINDS.items() if kind.slug in by_slug}
