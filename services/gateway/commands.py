"""What a resident typed -> (service, action, args), by DESIGN.md's table of commands.

Text that is no command goes to the letter service as an `answer`: it may answer a question
of the guided letter request (which the letter service keeps in its database; the gateway is
stateless), and otherwise gets the short help.
"""

from __future__ import annotations

from typing import NamedTuple

from libs.vocabulary import callbacks, complaints, staff
from libs.vocabulary.kinds import KINDS

MAX_ARG = 1000

DATA_KEYWORDS = {
    "start": "start",
    "menu": "start",
    "help": "start",
    "bantuan": "start",
    "daftar": "register",
    "biodata": "biodata",
    "keluarga": "keluarga",
    "pkh": "pkh",
    "bpnt": "bpnt",
    "kis": "kis",
}
# `Status` and `Batal <id>` are also what buttons send (libs/vocabulary/callbacks.py).
STATUS_KEYWORD, CANCEL_KEYWORD = callbacks.STATUS.lower(), callbacks.CANCEL.lower()
LETTER_KEYWORDS = {"surat": "list", STATUS_KEYWORD: "status", CANCEL_KEYWORD: "cancel"}
# `AJUKAN SKU`, `AJUKAN KIRIM`, `AJUKAN UBAH tujuan`: the guided request's buttons
DRAFT_KEYWORD = callbacks.DRAFT.lower()
LETTER_KINDS = tuple(kind.word for kind in KINDS.values())  # `sku`, `SKU#...`
# `Aduan`, `ADUAN#judul#isi`, `ADUAN KIRIM`...: the complaint (libs/vocabulary/complaints.py)
COMPLAINT_KEYWORD = complaints.WORD.lower()
STAFF_KEYWORD = staff.WORD.lower()  # `STAF <code>`: a staff member links their own Telegram


class Parsed(NamedTuple):
    service: str
    action: str
    args: tuple[str, ...] = ()


UNKNOWN = Parsed("data", "unknown")


def free_text(text: str) -> Parsed:
    """Text that is no command: maybe the answer to a question of the guided request."""
    return Parsed("letter", "answer", (text.strip()[:MAX_ARG],))


def parse_text(text: str) -> Parsed:
    """Route a message text: `Biodata`, `/biodata@desa_bot`, `DAFTAR#nik#kk`, `SKU#a#b#c`..."""
    head, sep, rest = text.strip().partition("#")
    words = head.split()
    if not words:
        return UNKNOWN
    keyword = words[0].lower()
    if keyword.startswith("/"):
        keyword = keyword[1:].split("@", 1)[0]
    fields = tuple(f.strip()[:MAX_ARG] for f in rest.split("#")) if sep else ()

    if keyword in DATA_KEYWORDS:
        action = DATA_KEYWORDS[keyword]
        if action == "register" and not sep:
            # `DAFTAR 3517... 3517...` is forgiven: spaces instead of '#'.
            fields = tuple(w[:MAX_ARG] for w in words[1:])
        if action != "register" and (sep or len(words) > 1) and not _is_slash(words[0]):
            return free_text(text)
        return Parsed("data", action, fields if action == "register" else ())
    if keyword in LETTER_KEYWORDS and len(words) == 1 and not sep:
        return Parsed("letter", LETTER_KEYWORDS[keyword])
    if keyword == CANCEL_KEYWORD and len(words) == 2 and words[1].isdigit() and not sep:
        return Parsed("letter", "cancel", (words[1][:MAX_ARG],))  # `Batal 12`: that request
    if keyword == DRAFT_KEYWORD and not sep:
        return Parsed("letter", "draft", tuple(w[:MAX_ARG] for w in words[1:3]))
    if keyword == COMPLAINT_KEYWORD:
        if sep:
            return Parsed("letter", "complaint", ("#", *fields))  # the one-line complaint
        return Parsed("letter", "complaint", tuple(w[:MAX_ARG] for w in words[1:3]))
    if keyword == STAFF_KEYWORD and not sep and len(words) <= 2:
        return Parsed("letter", "staff", tuple(w[:MAX_ARG] for w in words[1:2]))
    if keyword in LETTER_KINDS and len(words) == 1:
        if sep:
            return Parsed("letter", "request", (keyword.upper(), *fields))
        return Parsed("letter", "help", (keyword.upper(),))
    return free_text(text)


def attachment() -> Parsed:
    """A photo, a file or a location: maybe the step of a complaint being written."""
    return Parsed("letter", "attachment")


def _is_slash(word: str) -> bool:
    return word.startswith("/")
