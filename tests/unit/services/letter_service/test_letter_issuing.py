"""Sign and issue on the seeded SQLite village: who may sign, the rows written, the numbers."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from libs.config import Settings
from libs.letter_tokens import generate_keypair, load_public_key, verify
from libs.siades.bot_models import STAFF_HEAD, STAFF_OPERATOR, LetterDocument, Staff
from libs.siades.letter_forms import format_ids
from libs.siades.letters import LetterLog, LetterRequest
from libs.vocabulary.states import RequestState
from services.letter_service.issuing import IssueError, issue, letter_file_name

NOW = datetime(2026, 11, 28, 3, 0)  # naive UTC: 10:00 WIB
FORMS = {
    "SKU": {"usaha": "Peternakan Ayam", "tujuan": "Bank BNI", "kegunaan": "Modal"},
    "SKD": {"tujuan": "Kantor Kecamatan", "kegunaan": "Beasiswa"},
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path, public_text = generate_keypair(tmp_path_factory.mktemp("keys"))
    return path, load_public_key(public_text)


@pytest.fixture
def settings(keys):
    return Settings(letter_signing_key_file=str(keys[0]), verify_base_url="https://desa.example.id")


@pytest.fixture
def session(session_factory):
    with session_factory() as session:
        yield session


def staff(session, role=STAFF_HEAD, active=True, name="H. Moch. Sholeh"):
    member = Staff(username=f"{role}-{active}-{name}", full_name=name, role=role,
                   password_hash="-", active=active)
    session.add(member)
    session.flush()
    return member


def request(session, kind="SKU", resident_id=1, status=2):
    row = LetterRequest(resident_id=resident_id, format_id=format_ids(session)[kind],
                        status=status, form=json.dumps(FORMS[kind]), phone="-",
                        requirements="[]")
    session.add(row)
    session.flush()
    return row


def test_issue_writes_the_letter_and_marks_the_request_ready(session, settings, keys):
    head, pending = staff(session), request(session)
    letter = issue(session, pending, head, settings, NOW)

    assert letter.number == "S-14/001/3517092006/XI/2026"
    assert letter.file_name == "SKU-001-2026-BUDI-SANTOSO.pdf"
    assert letter.pdf.startswith(b"%PDF") and letter.issued_by == head.id
    assert (pending.status, pending.updated_at) == (RequestState.READY,
                                                    datetime(2026, 11, 28, 10, 0))
    assert session.get(LetterDocument, pending.id) is letter
    log = session.get(LetterLog, letter.letter_log_id)
    assert (log.format_id, log.resident_id, log.official_id, log.user_id) == (
        pending.format_id, 1, 0, 0)
    assert (log.month, log.year, log.number) == ("11", "2026", "1")
    assert (log.file_name, log.note) == (letter.file_name, f"Telegram #{pending.id}")
    assert verify(keys[1], letter.token) == {
        "k": "Surat Keterangan Usaha", "n": letter.number, "d": "2026-11-28", "i": "B. S.",
        "m": "3517**********01", "r": pending.id, "v": 1,
        "ds": "Sumbermulyo", "kd": "3517092006"}  # the issuing village, for /verify to name


def test_numbers_count_per_format_and_restart_in_a_new_year(session, settings):
    head = staff(session)
    numbers = [issue(session, request(session, kind, resident_id=r), head, settings, when).number
               for kind, r, when in [("SKU", 1, NOW), ("SKU", 2, NOW), ("SKD", 3, NOW),
                                     ("SKU", 6, datetime(2027, 1, 2, 3, 0))]]
    assert numbers == ["S-14/001/3517092006/XI/2026", "S-14/002/3517092006/XI/2026",
                       "S-41/001/3517092006/XI/2026", "S-14/001/3517092006/I/2027"]


def test_the_new_year_starts_at_local_midnight(session, settings):
    # 31 Dec 2026 17:30 UTC is 1 Jan 2027 00:30 in Jombang: the first letter of 2027.
    letter = issue(session, request(session), staff(session), settings,
                   datetime(2026, 12, 31, 17, 30))
    assert letter.number.endswith("/I/2027")


@pytest.mark.parametrize("status", [0, RequestState.CHECKING, RequestState.READY, 4, 5])
def test_only_a_request_awaiting_signature_is_issued(session, settings, status):
    pending = request(session, status=status)
    with pytest.raises(IssueError, match="tidak sedang menunggu tanda tangan"):
        issue(session, pending, staff(session), settings, NOW)
    assert session.scalars(select(LetterLog)).all() == []


def test_only_an_active_kepala_desa_signs(session, settings):
    pending = request(session)
    for signer in (staff(session, STAFF_OPERATOR), staff(session, active=False)):
        with pytest.raises(IssueError, match="Kepala Desa"):
            issue(session, pending, signer, settings, NOW)
    assert pending.status == 2


def test_a_request_is_issued_once(session, settings):
    head, pending = staff(session), request(session)
    issue(session, pending, head, settings, NOW)
    with pytest.raises(IssueError):
        issue(session, pending, head, settings, NOW)


def test_without_a_signing_key_nothing_is_issued(session, tmp_path):
    pending = request(session)
    for configured in ("", str(tmp_path / "missing.pem")):
        with pytest.raises(IssueError, match="Kunci tanda tangan"):
            issue(session, pending, staff(session, name=configured or "x"),
                  Settings(letter_signing_key_file=configured), NOW)
    assert pending.status == 2


def test_file_names_are_ascii():
    assert letter_file_name("SKD", 12, 2026, "Nur  Hidayah-Şahin") == \
        "SKD-012-2026-NUR-HIDAYAH-SAHIN.pdf"
    assert letter_file_name("SKU", 1, 2026, "...") == "SKU-001-2026-WARGA.pdf"
