"""A complaint's states (`pengaduan.status`, OpenSID's StatusPengaduanEnum) and the words its
buttons send back.

    ADUAN                  start the guided complaint (also `/aduan` and the menu's button)
    ADUAN#<judul>#<isi>    the one-line complaint
    ADUAN LEWATI           skip the optional step asked (photo, location)
    ADUAN PUBLIK / PRIVAT  the resident's choice: shown on the village website, or not
    ADUAN KIRIM            send the complaint the summary shows
    ADUAN UBAH <step>      answer one step again (isi, foto, lokasi, publik)
    ADUAN BATAL            stop writing it
"""

from __future__ import annotations

from libs.vocabulary.states import OpenSIDState


class ComplaintState(OpenSIDState):
    """pengaduan.status: its number, OpenSID's name and the metric's label."""

    WAITING = 1, "Menunggu Diproses", "waiting"
    IN_PROGRESS = 2, "Sedang Diproses", "in_progress"
    DONE = 3, "Selesai Diproses", "done"


COMPLAINT_STATE_NAMES = {state: state.opensid_name for state in ComplaintState}

WORD = "ADUAN"
SKIP, PUBLIC, PRIVATE = "LEWATI", "PUBLIK", "PRIVAT"
SEND, CHANGE, DISCARD = "KIRIM", "UBAH", "BATAL"
# The steps of the guided complaint, as `ADUAN UBAH <step>` names them.
STEP_TEXT, STEP_PHOTO, STEP_LOCATION, STEP_VISIBILITY = "isi", "foto", "lokasi", "publik"
STEPS = (STEP_TEXT, STEP_PHOTO, STEP_LOCATION, STEP_VISIBILITY)


def button(step: str, argument: object | None = None) -> str:
    """`ADUAN KIRIM`, `ADUAN UBAH foto`..."""
    return f"{WORD} {step}" if argument is None else f"{WORD} {step} {argument}"
