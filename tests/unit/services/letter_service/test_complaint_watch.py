"""The complaint watcher (services/letter_service/complaint_watch.py) on the seeded demo village:
answers from our console and from OpenSID's admin, status changes, the resident told once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from libs.siades.bot_models import (
    FILE_STORED,
    Complaint,
    ComplaintReply,
    OutboxEntry,
    ReceivedFile,
)
from libs.siades.complaints import Pengaduan
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.models import Resident
from services.letter_service import watcher
from services.letter_service.complaint_watch import ComplaintWatch
from services.letter_service.complaints import records
from tests.support.recording import RecordingPublisher

CHAT = 52
NOW = datetime(2026, 12, 4, 2, 0)
LOCAL = NOW + timedelta(hours=7)
JPEG = b"\xff\xd8\xff\xe0" + b"photo bytes" * 20


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def watch(session_factory, publisher, tmp_path):
    return ComplaintWatch(session_factory, publisher, str(tmp_path / "pengaduan"))


def file_complaint(session_factory, public: bool = True, photo: bytes | None = None) -> int:
    nik = DEMO_RESIDENTS["head"][0]
    with session_factory.begin() as session:
        resident = session.scalars(select(Resident).where(Resident.nik == nik)).one()
        photo_id = None
        if photo is not None:
            stored = ReceivedFile(chat_id=CHAT, file_id="f", file_unique_id="u",
                                  state=FILE_STORED, mime_type="image/jpeg", size=len(photo),
                                  content=photo)
            session.add(stored)
            session.flush()
            photo_id = stored.id
        complaint = records.file(
            session, resident, CHAT, title="Jalan berlubang",
            body="Jalan di RT 02 berlubang <besar> & dalam.", public=public, photo_id=photo_id,
            latitude=None, longitude=None, local_now=LOCAL, utc_now=NOW)
        return complaint.id


def told(publisher) -> list:
    """The messages published to residents."""
    return publisher.published


def opensid_admin_answers(session_factory, complaint_id: int, body: str, status: int,
                          *, child: bool = True) -> None:
    """What Pengaduan_admin::kirim does: the status on the complaint and its answers, then the
    answer as a child row (committed separately, as OpenSID runs without a transaction)."""
    with session_factory.begin() as session:
        parent = session.get(Complaint, complaint_id).pengaduan_id
        session.execute(update(Pengaduan).where(
            (Pengaduan.id == parent) | (Pengaduan.parent_id == parent)).values(status=status))
    if child:
        with session_factory.begin() as session:
            session.execute(insert(Pengaduan).values(
                parent_id=parent, name="Budi Santoso", body=body, status=status,
                created_at=LOCAL, updated_at=LOCAL))


def test_an_answer_in_opensid_admin_reaches_the_resident_once(session_factory, watch, publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "Sudah kami cek, besok ditambal.", 2)

    assert watch.watch_once(NOW) == 1
    assert watch.watch_once(NOW) == 0
    (message,) = told(publisher)
    assert message.chat_id == CHAT
    assert f"A-{complaint_id}" in message.text
    assert "Sudah kami cek, besok ditambal." in message.text
    assert "Sedang Diproses" in message.text and "Budi Santoso" in message.text
    with session_factory() as session:
        complaint = session.get(Complaint, complaint_id)
        (reply,) = session.scalars(select(ComplaintReply)).all()
        assert (complaint.status, complaint.first_answer_at, complaint.closed_at) == (2, NOW, None)
        assert (reply.author, reply.status, reply.told_at) == ("Budi Santoso", 2, NOW)


def test_a_second_watcher_tells_nothing_more(session_factory, watch, publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "Ditangani.", 3)
    other = ComplaintWatch(session_factory, publisher)
    watch.watch_once(NOW)
    other.watch_once(NOW)
    assert len(told(publisher)) == 1
    with session_factory() as session:
        assert session.get(Complaint, complaint_id).closed_at == NOW


def test_a_status_set_before_its_answer_is_not_told_alone(session_factory, watch, publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "", 2, child=False)
    watch.watch_once(NOW)  # OpenSID's admin between its UPDATE and its INSERT
    assert told(publisher) == []
    with session_factory.begin() as session:
        parent = session.get(Complaint, complaint_id).pengaduan_id
        session.execute(insert(Pengaduan).values(
            parent_id=parent, name="Budi", body="Sedang kami tangani.", status=2,
            created_at=LOCAL, updated_at=LOCAL))
    watch.watch_once(NOW)
    watch.watch_once(NOW)
    (message,) = told(publisher)
    assert "Sedang kami tangani." in message.text


def test_a_status_changed_without_answer_is_told_once_it_holds(session_factory, watch,
                                                               publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "", 3, child=False)
    watch.watch_once(NOW)
    assert told(publisher) == []
    watch.watch_once(NOW)
    watch.watch_once(NOW)
    (message,) = told(publisher)
    assert "Selesai Diproses" in message.text and "Tanggapan" not in message.text
    assert "dinyatakan selesai" in message.text


def test_a_console_answer_is_told_once_and_not_imported_back(session_factory, watch,
                                                             publisher):
    complaint_id = file_complaint(session_factory)
    with session_factory.begin() as session:
        records.answer(session, session.get(Complaint, complaint_id), author="Ani", staff_id=1,
                       body="Petugas datang <hari ini>.", status=2, local_now=LOCAL,
                       utc_now=NOW)
    watch.watch_once(NOW)
    watch.watch_once(NOW)
    (message,) = told(publisher)
    assert "Petugas datang &lt;hari ini&gt;." in message.text  # Telegram HTML, escaped
    with session_factory() as session:
        assert len(session.scalars(select(ComplaintReply)).all()) == 1


def test_a_private_complaint_answered_in_the_console_is_told(session_factory, watch, publisher):
    complaint_id = file_complaint(session_factory, public=False)
    with session_factory.begin() as session:
        records.answer(session, session.get(Complaint, complaint_id), author="Ani", staff_id=1,
                       body="Kami hubungi Bapak secara langsung.", status=3, local_now=LOCAL,
                       utc_now=NOW)
        assert session.scalars(select(Pengaduan)).all() == []
    watch.watch_once(NOW)
    (message,) = told(publisher)
    assert "Kami hubungi Bapak" in message.text


def test_a_long_answer_fits_one_message(session_factory, watch, publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "panjang " * 2000, 2)
    watch.watch_once(NOW)
    (message,) = told(publisher)
    assert len(message.text) < 4096 and message.text.count("…")


def test_an_unpublished_message_is_published_by_the_next_pass(session_factory, publisher):
    complaint_id = file_complaint(session_factory)
    opensid_admin_answers(session_factory, complaint_id, "Ditangani.", 2)
    broken = RecordingPublisher()
    broken.publish = lambda *args, **kwargs: (_ for _ in ()).throw(ConnectionError("broker"))
    with pytest.raises(ConnectionError):
        ComplaintWatch(session_factory, broken).watch_once(NOW)
    with session_factory() as session:
        leftover = watcher.unpublished(session)
    (entry,) = leftover
    assert entry.source_message_id.startswith("complaint-reply-")
    watcher.watch_once(session_factory, publisher)
    assert len(told(publisher)) == 1
    with session_factory() as session:
        assert None not in session.scalars(select(OutboxEntry.published_at)).all()


def test_a_public_photo_is_placed_where_opensid_shows_it(session_factory, watch, tmp_path):
    complaint_id = file_complaint(session_factory, photo=JPEG)
    watch.watch_once(NOW)
    watch.watch_once(NOW)
    with session_factory() as session:
        row = session.get(Pengaduan, session.get(Complaint, complaint_id).pengaduan_id)
    assert row.photo == f"telegram_{row.id}.jpg"
    assert (tmp_path / "pengaduan" / row.photo).read_bytes() == JPEG
    assert [p.name for p in (tmp_path / "pengaduan").iterdir()] == [row.photo]


def test_a_private_photo_is_never_placed(session_factory, watch, tmp_path):
    file_complaint(session_factory, public=False, photo=JPEG)
    watch.watch_once(NOW)
    assert not (tmp_path / "pengaduan").exists()
