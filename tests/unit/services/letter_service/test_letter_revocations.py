"""Withdrawn letters published for /verify (services/letter_service/revocations.py) on SQLite:
each once, whoever withdrew it, also across a crash and the outbox's pruning; and the message
itself (libs/revocations.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from libs import topology
from libs.errors import DecodeError, TransientError
from libs.outbox import prune
from libs.revocations import Revocation, RevocationList, decode, encode, token_digest
from libs.siades.bot_models import LetterDocument, OutboxEntry
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import letter_form
from libs.siades.letter_kinds import KINDS
from libs.siades.models import Resident
from services.letter_service import letter_requests
from services.letter_service.revocations import message_id, publish_withdrawn, withdraw

NOW = datetime(2026, 12, 3, 20, 0, 0)  # naive UTC: 4 December in Jakarta
ZONE = "Asia/Jakarta"
TOKEN = "eyJrIjoiU0tEIn0.c2lnbmF0dXJl"


class Recorder:
    """Stands in for the broker; `fail` makes the next publish unconfirmed."""

    def __init__(self):
        self.published: list[tuple[str, str, Revocation]] = []
        self.fail = False

    def publish(self, exchange, routing_key, body, message_id, headers=None) -> None:
        if self.fail:
            raise TransientError("no confirm")
        self.published.append((exchange, routing_key, decode(body)))


@pytest.fixture
def issued(session_factory):
    """A request whose letter was issued (status 3, a bot_letter_documents row)."""
    with session_factory.begin() as session:
        resident = session.scalar(select(Resident).where(
            Resident.nik == DEMO_RESIDENTS["head"][0]))
        filed = letter_requests.submit(session, resident, letter_form(session, KINDS["SKD"]),
                                {"tujuan": "Kantor Kecamatan", "kegunaan": "Beasiswa"}, NOW, NOW)
        filed.status = 3
        session.add(LetterDocument(request_id=filed.id, letter_log_id=1,
                                   number="S-14/007/3517092006/XII/2026", file_name="SKD.pdf",
                                   pdf=b"%PDF", token=TOKEN, issued_by=1, issued_at=NOW))
        return filed.id


def set_status(session_factory, request_id: int, status: int, note: str | None) -> None:
    """As OpenSID's admin would: a plain UPDATE."""
    with session_factory.begin() as session:
        session.execute(text("UPDATE permohonan_surat SET status = :s, keterangan = :n "
                             "WHERE id = :id"), {"s": status, "n": note, "id": request_id})


def test_a_letter_cancelled_in_opensid_after_it_was_issued_is_withdrawn_and_published(
        session_factory, issued):
    publisher = Recorder()
    assert publish_withdrawn(session_factory, publisher, ZONE) == 0  # issued, not withdrawn
    set_status(session_factory, issued, 5, "Salah nama usaha")

    assert publish_withdrawn(session_factory, publisher, ZONE) == 1
    [(exchange, key, revocation)] = publisher.published
    assert (exchange, key) == (topology.REVOCATIONS_EXCHANGE, topology.REVOCATION_ROUTING_KEY)
    assert revocation.token_sha256 == token_digest(TOKEN)
    assert (revocation.request_id, revocation.number, revocation.reason) == (
        issued, "S-14/007/3517092006/XII/2026", "Salah nama usaha")
    with session_factory() as session:
        letter = session.get(LetterDocument, issued)
        assert letter.revoked_at is not None and letter.revoked_reason == "Salah nama usaha"

    for _ in range(3):  # the watcher keeps looking: nothing more
        assert publish_withdrawn(session_factory, publisher, ZONE) == 0
    assert len(publisher.published) == 1


def test_a_letter_the_console_withdrew_is_published_once(session_factory, issued):
    # The console's "Cabut surat": revoked_at and the reason, in its own transaction
    with session_factory.begin() as session:
        letter = session.get(LetterDocument, issued)
        letter.revoked_at, letter.revoked_reason = NOW, "Dicabut atas permintaan pemohon"
    publisher = Recorder()
    assert publish_withdrawn(session_factory, publisher, ZONE) == 1
    [(_, _, revocation)] = publisher.published
    assert revocation.revoked_on == date(2026, 12, 4)  # the village's date, not UTC's
    assert revocation.reason == "Dicabut atas permintaan pemohon"
    assert publish_withdrawn(session_factory, publisher, ZONE) == 0


def test_withdraw_stores_the_revocation_in_the_callers_transaction(session_factory, issued):
    with session_factory.begin() as session:
        withdraw(session, session.get(LetterDocument, issued), "  ", NOW, ZONE)
    with session_factory() as session:
        entry = session.scalar(select(OutboxEntry).where(
            OutboxEntry.message_id == message_id(issued)))
        assert entry is not None and entry.published_at is None
        assert session.get(LetterDocument, issued).revoked_reason is None
    publisher = Recorder()
    assert publish_withdrawn(session_factory, publisher, ZONE) == 1
    assert publisher.published[0][2].reason == ""


def test_a_revocation_not_confirmed_goes_out_at_the_next_pass(session_factory, issued):
    set_status(session_factory, issued, 5, None)
    publisher = Recorder()
    publisher.fail = True
    with pytest.raises(TransientError):
        publish_withdrawn(session_factory, publisher, ZONE)  # stored, then the broker failed
    publisher.fail = False
    assert publish_withdrawn(session_factory, publisher, ZONE) == 1
    assert publish_withdrawn(session_factory, publisher, ZONE) == 0
    assert len(publisher.published) == 1


def test_pruning_the_outbox_keeps_revocations_so_none_goes_out_twice(session_factory, issued):
    set_status(session_factory, issued, 5, None)
    publisher = Recorder()
    publish_withdrawn(session_factory, publisher, ZONE)
    prune(session_factory, datetime.now() + timedelta(days=30))
    assert publish_withdrawn(session_factory, publisher, ZONE) == 0
    assert len(publisher.published) == 1


def test_a_request_cancelled_before_any_letter_is_no_revocation(session_factory, issued):
    with session_factory.begin() as session:
        resident = session.scalar(select(Resident).where(
            Resident.nik == DEMO_RESIDENTS["wife"][0]))
        other = letter_requests.submit(session, resident, letter_form(session, KINDS["SKD"]),
                                {"tujuan": "Kantor Kecamatan", "kegunaan": "Beasiswa"}, NOW,
                                NOW)
        other.status = 5
    publisher = Recorder()
    assert publish_withdrawn(session_factory, publisher, ZONE) == 0


def test_the_message_round_trips_and_anything_else_is_a_decode_error():
    revocation = Revocation(token_digest(TOKEN), 7, "S-1/2", date(2026, 12, 4), "Alasan <b>")
    assert decode(encode(revocation)) == revocation
    for body in (b"", b"[]", b"{}", b'{"token_sha256": "ab", "request_id": 1, "number": "x",'
                 b' "revoked_on": "2026-12-04"}',
                 encode(revocation).replace(b"2026-12-04", b"kemarin")):
        with pytest.raises(DecodeError):
            decode(body)


def test_the_list_finds_a_letter_by_its_token_and_keeps_a_repeat_once():
    revocation = Revocation(token_digest(TOKEN), 7, "S-1/2", date(2026, 12, 4))
    revocations = RevocationList()
    revocations.add(revocation)
    revocations.add(revocation)
    assert len(revocations) == 1 and revocations.find(TOKEN) == revocation
    assert revocations.find(TOKEN + "x") is None
    assert not revocations.wait_current(0)
