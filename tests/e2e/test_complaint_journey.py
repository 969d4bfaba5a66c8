"""A complaint from the chat to its answer, every component a real process:

resident (simulator) -> gateway -> letter_service (the guided complaint) -> notifier downloads
the photo (getFile, the file) into the database; a staff member linked in Telegram is alerted
with a button to the console; the office answers in the console -> the status watcher ->
notifier -> the resident gets the answer once. Hostile inputs on the way each get a clear
message, and the complaint goes on.
"""

from __future__ import annotations

import base64
import io
import re
import time

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from libs.siades.bot_models import Complaint, ReceivedFile, Staff
from libs.siades.cli import create_staff
from libs.siades.coltypes import utcnow
from libs.siades.complaints import Pengaduan
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from services.letter_service import staff_link
from services.letter_service.complaints import records
from tests.support.console_client import texts_of
from tests.support.system import System

NIK, NO_KK, NAME = DEMO_RESIDENTS["head"]
USER, OPERATOR_CHAT = 7501, 7590
TEXT = "Saluran air di depan balai dusun Krajan tersumbat sampah, air meluap ke jalan."


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    create_staff(engine, "operator", "Ani Rahmawati", "operator", "operator-pass")
    engine.dispose()
    # A small photo limit, so that a real photo can be too large without megabytes.
    system = System(amqp_url, sqlite_url, tmp_path)
    system.env["COMPLAINT_PHOTO_MAX_BYTES"] = "150000"
    system.start()
    yield system
    system.stop()


@pytest.fixture
def sessions(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def post(system: System, user: int, **content) -> None:
    requests.post(f"{system.sim}/sim/updates", timeout=10, json={
        "user": {"id": user, "first_name": "Warga", "language_code": "id"}, **content,
    }).raise_for_status()


def next_reply(system: System, user: int, **content) -> str:
    """Send an attachment (or tap, or type) and return the texts of what the bot sent."""
    system.messages(user)
    if "callback_data" in content:
        system.tap(user, content["callback_data"])
    else:
        post(system, user, **content)
    return texts_of(system.messages(user, wait=15))


def until(check, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


def link_operator(system: System, sessions) -> None:
    """The operator links their own Telegram with the console's one-time code."""
    with sessions.begin() as session:
        staff = session.scalar(select(Staff).where(Staff.username == "operator"))
        code = staff_link.new_code(session, staff, utcnow(), 15)
    assert "Ani Rahmawati" in system.ask(OPERATOR_CHAT, f"STAF {code}")["text"]
    assert "tidak berlaku" in system.ask(OPERATOR_CHAT, f"STAF {code}")["text"]  # once only


def test_a_complaint_with_photo_and_location_reaches_the_office_and_its_answer_the_resident(
        system, sessions):
    link_operator(system, sessions)
    assert "berhasil" in system.ask(USER, f"DAFTAR#{NIK}#{NO_KK}")["text"]
    assert "(1/4)" in system.ask(USER, "Aduan")["text"]
    assert "(2/4)" in system.ask(USER, TEXT)["text"]

    # Hostile first: a PDF instead of a photo, a photo Telegram says is 30 MB, then one whose
    # real bytes are over the limit (its size known only when downloading)
    refused = next_reply(system, USER, document={
        "data_base64": base64.b64encode(b"%PDF-1.4 laporan").decode(), "file_name": "x.pdf"})
    assert "bukan foto" in refused and "(2/4)" in refused
    refused = next_reply(system, USER, photo={
        "data_base64": base64.b64encode(photo(40, 30)).decode(), "file_size": 30_000_000})
    assert "Foto terlalu besar" in refused and "(2/4)" in refused

    picture = photo(240, 180)
    taken = next_reply(system, USER, photo={"data_base64": base64.b64encode(picture).decode()})
    assert "Foto diterima" in taken and "(3/4)" in taken
    abroad = next_reply(system, USER, location={"latitude": 48.8584, "longitude": 2.2945})
    assert "di luar Indonesia" in abroad
    assert "(4/4)" in next_reply(system, USER, location={"latitude": -7.5617,
                                                          "longitude": 112.2703})
    summary = next_reply(system, USER, callback_data="ADUAN PUBLIK")
    assert "Foto: ada" in summary and "-7.56170, 112.27030" in summary
    filed = next_reply(system, USER, callback_data="ADUAN KIRIM")
    number = int(re.search(r"A-(\d+)", filed).group(1))

    with sessions() as session:
        complaint = session.get(Complaint, number)
        kept = until(lambda: session.scalar(select(ReceivedFile).where(
            ReceivedFile.id == complaint.photo_id, ReceivedFile.state == "stored")))
        assert kept.content == picture  # the resident's own bytes, downloaded by the notifier
        assert session.get(Pengaduan, complaint.pengaduan_id).body == TEXT

    alerts = [m for m in system.messages(OPERATOR_CHAT, wait=20) if f"A-{number}" in m["text"]]
    alert = texts_of(alerts)
    assert NAME in alert and NIK not in alert and NO_KK not in alert
    [[[button]]] = [m["reply_markup"]["inline_keyboard"] for m in alerts]
    assert button["url"].endswith(f"/aduan/{number}")

    # The office answers (as the console does): the resident hears it once
    with sessions.begin() as session:
        records.answer(session, session.get(Complaint, number), author="Ani Rahmawati",
                       staff_id=1, body="Petugas kebersihan datang besok pagi.", status=2,
                       local_now=utcnow(), utc_now=utcnow())
    told = texts_of(system.messages(USER, wait=20))
    assert "Petugas kebersihan datang besok pagi." in told and "Sedang Diproses" in told
    time.sleep(5)  # a few of the watcher's passes: the answer is not told twice
    assert "Petugas kebersihan" not in texts_of(system.messages(USER, wait=1))
