"""The status watcher sees a direct SQL status change on SQLite and on MariaDB (whose
REPEATABLE READ must not hide a change committed by another connection)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import letter_form
from libs.siades.letter_kinds import KINDS
from libs.siades.models import Resident
from services.letter_service import letter_requests
from services.letter_service.watcher import watch_once
from tests.support.recording import RecordingPublisher as Recorder

CHAT = 6201
NOW = datetime(2026, 11, 28, 6, 0, 0)


def test_a_change_made_by_another_connection_is_told_once(database_url):
    watcher_factory = make_session_factory(make_engine(database_url))
    admin_engine = make_engine(database_url)  # standing in for OpenSID's admin pages
    with watcher_factory.begin() as session:
        resident = session.scalar(select(Resident).where(
            Resident.nik == DEMO_RESIDENTS["wife"][0]))
        resident.telegram = str(CHAT)
        request_id = letter_requests.submit(session, resident, letter_form(session, KINDS["SKCK"]),
                                     {"tujuan": "Polsek", "kegunaan": "Melamar"}, NOW, NOW).id
    publisher = Recorder()
    assert watch_once(watcher_factory, publisher) == 0

    with admin_engine.begin() as connection:
        connection.execute(text("UPDATE permohonan_surat SET status = 5, keterangan = :note "
                                "WHERE id = :id"), {"note": "Data belum sesuai", "id": request_id})
    assert watch_once(watcher_factory, publisher) == 1
    assert watch_once(watcher_factory, publisher) == 0
    [message] = publisher.published
    assert message.chat_id == CHAT and "<b>Ditolak</b>" in message.text  # a rejection
    assert "Alasan: Data belum sesuai" in message.text
