"""Letter commands. This release explains each letter kind; submission opens with the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.replies import reply
from libs.siades import queries

# kind -> (title, syntax, example), as the SIADES bot explained them.
LETTER_KINDS = {
    "SKU": ("Surat Keterangan Usaha", "SKU#bentuk usaha#tujuan surat#kegunaan surat",
            "SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal"),
    "SKD": ("Surat Keterangan Domisili", "SKD#tujuan surat#kegunaan surat",
            "SKD#Kantor Kecamatan#Persyaratan Beasiswa"),
    "SKCK": ("Surat Pengantar SKCK", "SKCK#tujuan surat#kegunaan surat",
             "SKCK#Polsek Jogoroto#Melamar Pekerjaan"),
    "SKBPN": ("Surat Keterangan Belum Pernah Menikah", "SKBPN#tujuan surat#kegunaan surat",
              "SKBPN#KUA Jogoroto#Persyaratan Menikah"),
    "SKUM": ("Surat Keterangan Umum", "SKUM#keterangan#tujuan surat#kegunaan surat",
             "SKUM#Tidak memiliki kendaraan bermotor#Sekolah#Persyaratan Beasiswa"),
}


def handle(command: Command, session: Session, settings: Settings, now: datetime
           ) -> list[Outgoing]:
    """Answer one letter command."""
    if queries.resident_by_chat(session, command.chat_id) is None:
        return reply(command, texts.NOT_REGISTERED, texts.REGISTER_MENU)
    if command.action == "list":
        return reply(command, texts.LETTER_KINDS, texts.LETTER_KIND_BUTTONS)
    if command.action == "help" and command.args and command.args[0] in LETTER_KINDS:
        title, syntax, example = LETTER_KINDS[command.args[0]]
        text = texts.LETTER_HOW_TO.format(title=title, syntax=syntax, example=example)
        return reply(command, text, texts.MAIN_MENU)
    return reply(command, texts.LETTER_NOT_YET, texts.MAIN_MENU)
