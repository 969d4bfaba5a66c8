"""The five letters residents request in the chat (libs/vocabulary/kinds.py names them): what the
resident answers, and which OpenSID letter format each one is in either generation of OpenSID's
schema. Pure data: the database side (the format rows, their form fields, adding what a
database lacks) is libs/siades/letter_forms.py.

A kind's `fields` are the chat's questions, in the order of the paper's one-line syntax
(`SKU#bentuk usaha#tujuan#kegunaan`). OpenSID 22.12's formats have no fields of their own, so
the answers are stored in `permohonan_surat.isian_form` as they are. OpenSID >= 23.12's TinyMCE
formats declare their fields (`kode_isian`): `fills` says how the chat's answers fill them
(`tujuan` and `kegunaan` make one `keperluan`), and the original answers are kept beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from libs import texts
from libs.vocabulary.kinds import KINDS as NAMED
from libs.vocabulary.kinds import Kind

# OpenSID's setting_aplikasi key of the letter numbers' template, and its default for a database
# without one: S-14/007/3517092006/XI/2026
NUMBER_FORMAT_KEY = "format_nomor_surat"
DEFAULT_NUMBER_FORMAT = "[kode_surat]/[nomor_surat, 3]/[kode_desa]/[bulan_romawi]/[tahun]"

TEXT, NUMBER, DATE, TIME, CHOICE = "text", "number", "date", "time", "choice"
NEVER_MARRIED = 1  # tweb_penduduk_kawin: 1 BELUM KAWIN, 2 KAWIN, 3 CERAI HIDUP, 4 CERAI MATI


@dataclass(frozen=True)
class Field:
    """One answer the resident gives: its JSON key, how it is asked and shown, what it may be."""

    name: str
    label: str
    question: str
    min_length: int = 3
    max_length: int = 200
    kind: str = TEXT  # TEXT, NUMBER, DATE (DD-MM-YYYY), TIME (HH:MM) or CHOICE
    choices: tuple[str, ...] = ()  # for CHOICE
    required: bool = True


@dataclass(frozen=True)
class LegacyFormat:
    """An OpenSID 22.12 format (RTF, `jenis` 1 or 2): init-db adds it where it is missing."""

    slug: str  # tweb_surat_format.url_surat
    code: str  # tweb_surat_format.kode_surat
    name: str  # tweb_surat_format.nama


Fill = Callable[[Mapping[str, str]], str]


@dataclass(frozen=True)
class LetterKind:
    """A kind the chat names (`named`: its code and title), what it asks and which formats."""

    named: Kind
    legacy: LegacyFormat
    slug: str  # the OpenSID >= 23.12 TinyMCE format's url_surat
    fields: tuple[Field, ...]
    example: tuple[str, ...]
    statement: str  # the body of our own PDF; {field names} are filled in
    # OpenSID >= 23.12: format field name -> its value from the chat's answers
    fills: Mapping[str, Fill] = field(default_factory=dict, hash=False, compare=False)
    # The registry's status_kawin (tweb_penduduk_kawin.id) the requester must have, if any:
    # OpenSID itself would print "belum pernah menikah" for a married resident.
    marital_status: int | None = None

    @property
    def code(self) -> str:
        """What residents type: SKU, SKD, ..."""
        return self.named.code

    @property
    def title(self) -> str:
        """Surat Keterangan Usaha."""
        return self.named.title

    @property
    def slugs(self) -> tuple[str, str]:
        """Both generations' url_surat: a request filed before an upgrade is still this kind."""
        return self.slug, self.legacy.slug


def purpose(answers: Mapping[str, str]) -> str:
    """`tujuan` and `kegunaan` as the one `keperluan` a current OpenSID letter prints:
    "Pengajuan Pinjaman Modal (ditujukan kepada Bank BNI)"."""
    return f"{answers['kegunaan']} (ditujukan kepada {answers['tujuan']})"


def asked(name: str) -> Field:
    """The field `name` with its label and question from libs/texts.py's LETTER_FIELDS."""
    label, question = texts.LETTER_FIELDS[name]
    return Field(name, label, question)


PURPOSE = asked("tujuan")
USE = asked("kegunaan")
# The village letter init-db adds to OpenSID >= 23.12, which has none for this
# (libs/siades/formats/skbpn.json).
SKBPN_SLUG = "surat-keterangan-belum-pernah-menikah"

KINDS: dict[str, LetterKind] = {kind.code: kind for kind in (
    LetterKind(
        NAMED["SKU"],
        LegacyFormat("surat_ket_usaha", "S-14", "Keterangan Usaha"), "surat-keterangan-usaha",
        (asked("usaha"), PURPOSE, USE),
        ("Peternakan Ayam", "Bank BNI", "Pengajuan Pinjaman Modal"),
        "benar-benar mempunyai usaha {usaha} yang berlokasi di desa kami.",
        {"nama_usaha": lambda a: a["usaha"], "keperluan": purpose},
    ),
    LetterKind(
        NAMED["SKD"],
        LegacyFormat("surat_ket_domisili", "S-41", "Keterangan Domisili"),
        "surat-keterangan-domisili",
        (PURPOSE, USE), ("Kantor Kecamatan", "Persyaratan Beasiswa"),
        "benar-benar berdomisili di alamat tersebut di atas.",
        {"keperluan": purpose},
    ),
    LetterKind(
        NAMED["SKCK"],
        LegacyFormat("surat_ket_catatan_kriminal", "S-07",
                     "Pengantar Surat Keterangan Catatan Kepolisian"),
        "surat-pengantar-surat-keterangan-catatan-kepolisian",
        (PURPOSE, USE), ("Polsek Jogoroto", "Melamar Pekerjaan"),
        "berkelakuan baik dan tidak pernah tersangkut perkara pidana sepanjang pengetahuan kami; "
        "surat ini diberikan sebagai pengantar pembuatan Surat Keterangan Catatan Kepolisian.",
        # the format prints "... SKCK yang dipergunakan untuk [Form_keterangan]."
        {"keterangan": purpose},
    ),
    LetterKind(
        NAMED["SKBPN"],
        LegacyFormat("surat_ket_belum_pernah_menikah", "S-51",
                     "Keterangan Belum Pernah Menikah"), SKBPN_SLUG,
        (PURPOSE, USE), ("KUA Jogoroto", "Persyaratan Menikah"),
        "sampai dengan tanggal surat ini belum pernah menikah.",
        {"keperluan": purpose}, marital_status=NEVER_MARRIED,
    ),
    LetterKind(
        NAMED["SKUM"],
        LegacyFormat("surat_ket_pengantar", "S-01", "Keterangan Pengantar"),
        "surat-keterangan-pengantar",
        (asked("keterangan"), PURPOSE, USE),
        ("Tidak memiliki kendaraan bermotor", "Sekolah", "Persyaratan Beasiswa"),
        "{keterangan}.",
        {"keperluan": purpose, "keterangan": lambda a: a["keterangan"]},
    ),
)}
