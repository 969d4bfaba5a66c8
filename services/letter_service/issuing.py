"""Sign and issue: a request awaiting signature (status 2) becomes a numbered, signed letter
ready to be collected (status 3), all in the caller's transaction."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime

from sqlalchemy.orm import Session

from libs.config import Settings
from libs.formatting import local_time
from libs.identity import mask
from libs.letter_tokens import initials, load_private_key, sign
from libs.siades.bot_models import STAFF_HEAD, LetterDocument, Staff
from libs.siades.letter_forms import kind_of
from libs.siades.letter_kinds import LetterKind
from libs.siades.letters import LetterFormat, LetterLog, LetterRequest
from libs.siades.models import Resident
from libs.siades.village import Generation, generation_of
from libs.vocabulary.states import RequestState
from services.letter_service import document, numbering

# log_surat.id_pamong and id_user: the bot's staff are neither tweb_desa_pamong rows nor
# OpenSID users. 22.12 wants 0 there; 23.12+ has foreign keys, so NULL, and the signer's name in
# nama_pamong / nama_jabatan, which OpenSID's archive shows where there is no pamong row.
NOBODY_2212 = 0
PRINTED = 1  # log_surat.status on 23.12+: 0 Konsep (a draft), 1 Cetak
SIGNER_TITLE = "Kepala Desa"
PREVIEWABLE = (RequestState.INCOMPLETE, RequestState.CHECKING, RequestState.AWAITING_SIGNATURE)
PREVIEW_TOKEN = "PRATINJAU"  # in a preview's QR code: the verify page finds it invalid
NAME_IN_FILE_MAX = 50


class IssueError(ValueError):
    """The letter cannot be issued; the message is for the staff console, in Indonesian."""


def issue(session: Session, request: LetterRequest, signer: Staff, settings: Settings,
          now: datetime) -> LetterDocument:
    """Number, sign and render the letter of a request awaiting signature; status 2 -> 3.

    `now` is naive UTC; OpenSID's own columns get the village's local time.
    """
    # Re-read with a row lock: of two staff signing the same request, the second sees status 3.
    session.refresh(request, with_for_update=True)
    _check_may_sign(request, signer)
    private_key = _signing_key(settings)
    resident = _resident(session, request)
    kind = _kind(session, request)
    local_now = local_time(now, settings.timezone)
    issued = local_now.date()

    sequence = numbering.next_sequence(session, request.format_id, issued.year)
    number = _number(session, request, kind, sequence, issued)
    file_name = letter_file_name(kind.code, sequence, issued.year, resident.name)
    village = document.village_identity(session)
    token = sign(private_key, {
        "k": kind.title, "n": number, "d": issued.isoformat(), "i": initials(resident.name),
        "m": mask(resident.nik), "r": request.id, "ds": village.name, "kd": village.code,
    })
    url = f"{settings.verify_url_base}/verify/{token}"
    pdf = document.render_pdf(document.build_content(session, request, signer, number, url,
                                                     issued))
    log_row = _log(session, request, signer, sequence, file_name, local_now)
    _link_request(session, request, sequence)
    letter = LetterDocument(
        request_id=request.id, letter_log_id=log_row.id, number=number, file_name=file_name,
        pdf=pdf, token=token, issued_by=signer.id, issued_at=now,
    )
    session.add(letter)
    request.status = RequestState.READY
    request.updated_at = local_now
    session.flush()
    return letter


def preview(session: Session, request: LetterRequest, signer: Staff, settings: Settings,
            now: datetime) -> tuple[str, bytes]:
    """The number signing now would give and the letter as it would print, marked PRATINJAU.

    Nothing is written and no number taken; nothing is signed either: the QR code leads to the
    verify page with no valid token, so a printed preview never passes for a letter.
    """
    _resident(session, request)
    number = next_number(session, request, settings, now)
    url = f"{settings.verify_url_base}/verify/{PREVIEW_TOKEN}"
    content = document.build_content(session, request, signer, number, url,
                                     local_time(now, settings.timezone).date())
    return number, document.render_pdf(content, preview=True)


def next_number(session: Session, request: LetterRequest, settings: Settings,
                now: datetime) -> str:
    """The number signing the request now would give, unless another letter of its format is
    signed first; read only, nothing taken."""
    if request.status not in PREVIEWABLE:
        raise IssueError(f"Permohonan #{request.id} sudah tidak menunggu penerbitan surat.")
    kind = _kind(session, request)
    issued = local_time(now, settings.timezone).date()
    sequence = numbering.following_sequence(session, request.format_id, issued.year)
    return _number(session, request, kind, sequence, issued)


def letter_file_name(code: str, sequence: int, year: int, name: str) -> str:
    """`SKU-007-2026-BUDI-SANTOSO.pdf`: ASCII only, whatever the resident's name holds."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Z0-9]+", "-", ascii_name.upper()).strip("-")[:NAME_IN_FILE_MAX]
    return f"{code}-{sequence:03d}-{year}-{slug.strip('-') or 'WARGA'}.pdf"


def _check_may_sign(request: LetterRequest, signer: Staff) -> None:
    """IssueError unless the request awaits signature and the signer is an active Kepala Desa."""
    if request.status != RequestState.AWAITING_SIGNATURE:
        raise IssueError(f"Permohonan #{request.id} tidak sedang menunggu tanda tangan, "
                         "jadi suratnya tidak dapat diterbitkan.")
    if signer.role != STAFF_HEAD or not signer.active:
        raise IssueError("Hanya Kepala Desa (akun aktif) yang dapat menandatangani surat.")


def _resident(session: Session, request: LetterRequest) -> Resident:
    """The request's resident; IssueError when the registry no longer has them."""
    resident = session.get(Resident, request.resident_id)
    if resident is None:
        raise IssueError(f"Pemohon permohonan #{request.id} tidak ditemukan di data penduduk.")
    return resident


def _signing_key(settings: Settings):
    """The village office's private key; IssueError when it is not set up."""
    if not settings.letter_signing_key_file:
        raise IssueError("Kunci tanda tangan surat belum diatur (LETTER_SIGNING_KEY_FILE): "
                         "buat dengan `python -m services.letter_service keygen --dir DIR`.")
    try:
        return load_private_key(settings.letter_signing_key_file)
    except (OSError, ValueError) as exc:
        raise IssueError(f"Kunci tanda tangan surat tidak dapat dibaca: {exc}") from exc


def _kind(session: Session, request: LetterRequest) -> LetterKind:
    """The request's letter kind; IssueError for a format the bot does not issue."""
    kind = kind_of(session, request)
    if kind is None:
        raise IssueError(f"Jenis surat permohonan #{request.id} tidak dapat diterbitkan "
                         "dari sini.")
    return kind


def _number(session: Session, request: LetterRequest, kind: LetterKind, sequence: int,
            issued: date) -> str:
    """The printed number, from the `format_nomor_surat` setting and the format's kode_surat."""
    letter_format = session.get(LetterFormat, request.format_id)
    code = (letter_format.code or "").strip() if letter_format else ""
    return numbering.format_number(
        numbering.number_template(session), format_code=code or kind.format_code,
        sequence=sequence, village_code=document.village_identity(session).code, issued=issued,
    )


def _log(session: Session, request: LetterRequest, signer: Staff, sequence: int,
         file_name: str, local_now: datetime) -> LetterLog:
    """The log_surat row OpenSID's own archive lists (no_surat holds the sequence only)."""
    row = LetterLog(
        format_id=request.format_id, resident_id=request.resident_id, issued_at=local_now,
        month=f"{local_now.month:02d}", year=str(local_now.year), number=str(sequence),
        file_name=file_name, note=f"Telegram #{request.id}",
    )
    if generation_of(session) is Generation.OPENSID_2212:
        row.official_id = row.user_id = NOBODY_2212
    else:
        row.official_id = row.user_id = None
        row.official_name, row.official_title = signer.full_name, SIGNER_TITLE
        row.state, row.operator_checked = PRINTED, 1
    session.add(row)
    session.flush()
    return row


def _link_request(session: Session, request: LetterRequest, sequence: int) -> None:
    """On 23.12+, `isian_form.nomor` = the letter's no_surat: how OpenSID finds the letter
    printed for a request (its archive and Layanan Mandiri match the two)."""
    if generation_of(session) is Generation.OPENSID_2212:
        return
    try:
        form = json.loads(request.form or "{}")
    except ValueError:
        form = {}
    if isinstance(form, dict):
        request.form = json.dumps({**form, "nomor": str(sequence)})
