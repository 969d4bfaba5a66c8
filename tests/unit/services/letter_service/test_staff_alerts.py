"""Staff alerts (services/letter_service/staff_alerts.py) on the seeded demo village, with an
injected clock: new work to the operators, overdue work once to the Kepala Desa, the daily
summary once a day, each once however often (or by how many watchers) it is looked for."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from libs.config import Settings
from libs.siades.bot_models import (
    STAFF_HEAD,
    STAFF_OPERATOR,
    Complaint,
    OutboxEntry,
    Staff,
    StaffAlert,
)
from libs.siades.complaints import Pengaduan
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_forms import letter_form
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from services.letter_service import letter_requests, staff_alerts, watcher
from services.letter_service.complaints import records
from tests.support.recording import RecordingPublisher

NIK, NO_KK, NAME = DEMO_RESIDENTS["head"]
OPERATOR_CHAT, HEAD_CHAT, RESIDENT_CHAT = 8801, 8802, 8803
CONSOLE = "https://desa.example/konsol"
SETTINGS = Settings(console_public_url=CONSOLE, sla_hours=24.0, digest_hour=7,
                    timezone="Asia/Jakarta")
# The escalation tests' clock never reaches 23:00 in the village, so no summary comes between.
LATE_SUMMARY = dataclasses.replace(SETTINGS, digest_hour=23)
FILED = datetime(2026, 12, 3, 3, 0)  # UTC: 10:00 in the village, after the day's summary


def local(utc: datetime) -> datetime:
    return utc + timedelta(hours=7)


@pytest.fixture
def staff(session_factory):
    """A linked operator, a linked Kepala Desa, and an operator who has not linked Telegram."""
    with session_factory.begin() as session:
        for username, role, chat in (("ani", STAFF_OPERATOR, OPERATOR_CHAT),
                                     ("kades", STAFF_HEAD, HEAD_CHAT),
                                     ("budi", STAFF_OPERATOR, None)):
            session.add(Staff(username=username, full_name=username.title(), role=role,
                              password_hash="x", telegram_chat_id=chat))


@pytest.fixture
def publisher():
    return RecordingPublisher()


def resident(session) -> Resident:
    return session.scalar(select(Resident).where(Resident.nik == NIK))


def file_request(session_factory, at: datetime = FILED) -> int:
    """A Surat Keterangan Domisili request from the chat (status 1)."""
    with session_factory.begin() as session:
        return letter_requests.submit(
            session, resident(session), letter_form(session, KINDS["SKD"]),
            {"tujuan": "Kantor Kecamatan", "kegunaan": "Beasiswa"}, local(at), at).id


def file_complaint(session_factory, public: bool = True, at: datetime = FILED) -> int:
    with session_factory.begin() as session:
        return records.file(session, resident(session), RESIDENT_CHAT, title="Jalan berlubang",
                            body="Jalan di RT 02 berlubang.", public=public, photo_id=None,
                            latitude=None, longitude=None, local_now=local(at), utc_now=at).id


def file_website_complaint(session_factory, at: datetime = FILED) -> int:
    """As OpenSID's own web form writes one: a bare `pengaduan` row."""
    with session_factory.begin() as session:
        row = Pengaduan(nik=None, name="Warga Situs", title="Lampu jalan",
                        body="Lampu jalan mati.", status=1, created_at=local(at),
                        updated_at=local(at))
        session.add(row)
        session.flush()
        return row.id


def sent(publisher, chat_id: int) -> list:
    return [message for message in publisher.published if message.chat_id == chat_id]


def alert(session_factory, publisher, at: datetime, settings: Settings = SETTINGS) -> int:
    return staff_alerts.alert_once(session_factory, publisher, settings, at)


def test_new_work_reaches_the_linked_operators_once_with_a_button_to_the_console(
        session_factory, staff, publisher):
    request_id = file_request(session_factory)
    complaint_id = file_complaint(session_factory)
    website_id = file_website_complaint(session_factory)

    assert alert(session_factory, publisher, FILED + timedelta(minutes=1)) == 3
    messages = sent(publisher, OPERATOR_CHAT)
    assert [m.reply_markup["inline_keyboard"][0][0]["url"] for m in messages] == [
        f"{CONSOLE}/permohonan/{request_id}", f"{CONSOLE}/aduan/{complaint_id}",
        f"{CONSOLE}/aduan/opensid/{website_id}"]
    request, complaint, website = (m.text for m in messages)
    assert f"nomor <b>{request_id}</b>" in request and "Surat Keterangan Domisili" in request
    assert NAME in request and NAME in complaint and "Warga Situs" in website
    assert f"A-{complaint_id}" in complaint and "publik" in complaint
    assert "situs desa" in website
    assert sent(publisher, HEAD_CHAT) == []  # the Kepala Desa hears of what waits too long

    assert alert(session_factory, publisher, FILED + timedelta(minutes=2)) == 0
    assert len(publisher.published) == 3


def test_staff_messages_name_the_resident_and_never_carry_the_nik_or_the_no_kk(
        session_factory, staff, publisher):
    file_request(session_factory)
    file_complaint(session_factory, public=False)
    alert(session_factory, publisher, FILED + timedelta(minutes=1))
    alert(session_factory, publisher, FILED + timedelta(hours=25))  # escalations
    alert(session_factory, publisher, datetime(2026, 12, 5, 0, 30))  # the summary at 07:30
    assert len(publisher.published) >= 5
    for message in publisher.published:
        shown = message.text + str(message.reply_markup)
        assert NIK not in shown and NO_KK not in shown
        assert "Jalan di RT 02" not in shown  # nor the complaint's own words


def test_work_waiting_past_the_sla_is_escalated_once_to_the_kepala_desa(
        session_factory, staff, publisher):
    request_id = file_request(session_factory)
    complaint_id = file_complaint(session_factory, public=False)
    answered_id = file_complaint(session_factory)
    with session_factory.begin() as session:
        complaint = session.get(Complaint, answered_id)
        records.answer(session, complaint, author="Ani", staff_id=1, body="Segera diperbaiki.",
                       status=2, local_now=local(FILED), utc_now=FILED + timedelta(hours=1))
    alert(session_factory, publisher, FILED + timedelta(minutes=1))  # the new-work alerts
    publisher.published.clear()

    def at(hours: float) -> int:
        return alert(session_factory, publisher, FILED + timedelta(hours=hours), LATE_SUMMARY)

    assert at(23.98) == 0
    assert at(24.02) == 2
    request, complaint = (m.text for m in sent(publisher, HEAD_CHAT))
    assert "menunggu lebih dari 24 jam" in request and f"<b>{request_id}</b>" in request
    assert "Sedang Diperiksa" in request and "3 Desember 2026 10:00" in request
    assert "belum dijawab lebih dari 24 jam" in complaint and f"A-{complaint_id}" in complaint
    assert sent(publisher, OPERATOR_CHAT) == []

    for hours in (25, 30, 47, 24 * 7):
        assert at(hours) == 0
    assert len(publisher.published) == 2


def test_work_handled_in_time_is_not_escalated(session_factory, staff, publisher):
    request_id = file_request(session_factory)
    complaint_id = file_complaint(session_factory, public=False)
    with session_factory.begin() as session:
        session.get(LetterRequest, request_id).status = 3  # Siap Diambil
        records.answer(session, session.get(Complaint, complaint_id), author="Ani",
                       staff_id=1, body="Sudah ditangani.", status=3,
                       local_now=local(FILED), utc_now=FILED + timedelta(hours=2))
    alert(session_factory, publisher, FILED + timedelta(minutes=1))
    publisher.published.clear()
    assert alert(session_factory, publisher, FILED + timedelta(hours=25), LATE_SUMMARY) == 0


def test_without_a_linked_kepala_desa_the_operators_are_told_what_waits(
        session_factory, staff, publisher):
    with session_factory.begin() as session:
        session.scalar(select(Staff).where(Staff.role == STAFF_HEAD)).telegram_chat_id = None
    file_request(session_factory)
    alert(session_factory, publisher, FILED + timedelta(minutes=1))
    publisher.published.clear()
    assert alert(session_factory, publisher, FILED + timedelta(hours=25), LATE_SUMMARY) == 1
    [late] = sent(publisher, OPERATOR_CHAT)
    assert "menunggu lebih dari" in late.text


def test_the_daily_summary_goes_once_a_day_at_the_hour_to_every_linked_staff_member(
        session_factory, staff, publisher):
    file_request(session_factory, at=FILED - timedelta(days=3))  # long overdue
    file_complaint(session_factory, at=FILED)
    file_website_complaint(session_factory, at=FILED)
    day_after = datetime(2026, 12, 3, 23, 59)  # 06:59 on 4 December in the village
    alert(session_factory, publisher, FILED + timedelta(minutes=1))
    publisher.published.clear()

    assert alert(session_factory, publisher, day_after) == 0
    assert alert(session_factory, publisher, day_after + timedelta(minutes=1)) == 1
    assert alert(session_factory, publisher, day_after + timedelta(hours=2)) == 0
    assert {m.chat_id for m in publisher.published} == {OPERATOR_CHAT, HEAD_CHAT}
    text = publisher.published[0].text
    assert "Ringkasan kantor desa, 4 Desember 2026" in text
    assert "Baru dalam 24 jam terakhir: 0 permohonan surat, 2 aduan" in text
    assert "Menunggu diproses: 1 permohonan, 2 aduan belum dijawab" in text
    assert "Lewat batas 24 jam: 1 permohonan, 0 aduan" in text
    assert publisher.published[0].reply_markup["inline_keyboard"][0][0]["url"] == \
        f"{CONSOLE}/dasbor"

    # The next morning: its summary, and the two complaints that became overdue at 10:00.
    assert alert(session_factory, publisher, day_after + timedelta(days=1, minutes=5)) == 3
    assert [m.text.startswith("📋") for m in publisher.published[2:]].count(True) == 2


def test_a_summary_missed_at_the_hour_still_goes_a_little_later_but_not_in_the_evening(
        session_factory, staff, publisher):
    assert alert(session_factory, publisher, datetime(2026, 12, 4, 2, 30)) == 1  # 09:30
    assert alert(session_factory, publisher, datetime(2026, 12, 5, 3, 0)) == 0  # 10:00


def test_old_history_is_left_to_the_summary_not_sent_item_by_item(
        session_factory, staff, publisher):
    """A first start on a village database with a backlog does not flood the office."""
    file_request(session_factory, at=FILED - timedelta(days=30))
    file_complaint(session_factory, at=FILED - timedelta(days=30))
    assert alert(session_factory, publisher, FILED) == 0


def test_two_watchers_at_once_send_each_alert_once(session_factory, staff, publisher,
                                                   monkeypatch):
    file_request(session_factory)
    assert alert(session_factory, publisher, FILED + timedelta(minutes=1)) == 1
    # The other watcher looked before this one stored the key: only the key's row stops it.
    monkeypatch.setattr(staff_alerts, "_not_yet_sent", lambda session, due: due)
    assert alert(session_factory, publisher, FILED + timedelta(minutes=1)) == 0
    assert len(publisher.published) == 1


class BrokerAway(RecordingPublisher):
    def publish(self, *args, **kwargs) -> None:
        raise ConnectionError("broker away")


def test_an_alert_stored_while_the_broker_is_away_is_published_by_the_next_look(
        session_factory, staff, publisher):
    file_request(session_factory)
    with pytest.raises(ConnectionError):
        alert(session_factory, BrokerAway(), FILED + timedelta(minutes=1))
    assert alert(session_factory, publisher, FILED + timedelta(minutes=2)) == 0  # stored: sent
    watcher.watch_once(session_factory, publisher)
    [message] = publisher.published
    assert message.chat_id == OPERATOR_CHAT and "Permohonan surat baru" in message.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEntry).where(
            OutboxEntry.published_at.is_(None))) == 0


def test_nobody_linked_means_no_messages_and_no_flood_when_someone_links_later(
        session_factory, publisher):
    file_request(session_factory)
    assert alert(session_factory, publisher, FILED + timedelta(minutes=1)) == 1
    assert publisher.published == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(StaffAlert)) == 1


def test_a_name_with_markup_or_braces_is_shown_as_written(session_factory, staff, publisher):
    with session_factory.begin() as session:
        resident(session).name = "<b>{Sri}</b> & Co"
    file_complaint(session_factory, public=False)
    alert(session_factory, publisher, FILED + timedelta(minutes=1))
    [message] = sent(publisher, OPERATOR_CHAT)
    assert "&lt;b&gt;{Sri}&lt;/b&gt; &amp; Co" in message.text


def test_a_console_address_telegram_would_refuse_as_a_button_is_given_as_text(
        session_factory, staff, publisher):
    """Telegram refuses a button whose host has no dot, and with it the whole message."""
    complaint_id = file_complaint(session_factory)
    on_the_lan = dataclasses.replace(SETTINGS, console_public_url="http://konsol:8090")
    alert(session_factory, publisher, FILED + timedelta(minutes=1), on_the_lan)
    [message] = sent(publisher, OPERATOR_CHAT)
    assert message.reply_markup is None
    assert message.text.endswith(f"\nhttp://konsol:8090/aduan/{complaint_id}")
