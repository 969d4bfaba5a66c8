"""The notifier downloads residents' photos (services/notifier/files.py): getFile and the file
itself from the Telegram simulator over HTTP, kept in bot_received_files, or refused and said."""

from __future__ import annotations

import base64
import io

import pytest
import requests
from PIL import Image

from libs.contracts import Outgoing, encode
from libs.siades.bot_models import Notification, ReceivedFile
from libs.telegram import TelegramClient
from services.notifier.sender import Delivery, Outcome, step
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import TEST_TOKEN, serve

RESIDENT = {"id": 7301, "first_name": "Ahlul"}
MAX = 200_000


@pytest.fixture
def sim():
    with serve(create_app(TEST_TOKEN)) as url:
        yield url


def jpeg(width: int = 320, height: int = 240) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def resident_sends(sim: str, **content) -> dict:
    """The resident sends a photo or a document; the Message as the bot gets it."""
    response = requests.post(f"{sim}/sim/updates", json={"user": RESIDENT, **content},
                             timeout=10)
    assert response.status_code == 200, response.text
    updates = requests.post(f"{sim}/bot{TEST_TOKEN}/getUpdates", json={"timeout": 0},
                            timeout=10).json()["result"]
    return updates[-1]["message"]


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def fetch(sim: str, session_factory, file_id: str, max_bytes: int = MAX) -> Outcome:
    with session_factory.begin() as session:
        row = ReceivedFile(chat_id=RESIDENT["id"], file_id=file_id, file_unique_id="u")
        session.add(row)
        session.flush()
        received = row.id
    message = Outgoing(message_id=f"tg-9:{received}", chat_id=RESIDENT["id"], text="",
                       method="getFile", parse_mode=None,
                       extra={"file_id": file_id, "received_file": received,
                              "max_bytes": max_bytes})
    delivery = Delivery(tag=1, body=encode(message), headers={}, message=message)
    outcome = step(TelegramClient(sim, TEST_TOKEN), delivery, session_factory).outcome
    fetch.received = received
    return outcome


def received(session_factory) -> ReceivedFile:
    with session_factory() as session:
        row = session.get(ReceivedFile, fetch.received)
        _ = row.content  # deferred: load it while the session is open
        return row


def bot_said(sim: str) -> list[str]:
    messages = requests.get(f"{sim}/sim/messages", params={"chat_id": RESIDENT["id"]},
                            timeout=10).json()["messages"]
    return [m["text"] for m in messages]


def test_a_photo_is_downloaded_whole_and_kept_once(sim, session_factory):
    original = jpeg()
    message = resident_sends(sim, photo={"data_base64": encoded(original)})
    assert fetch(sim, session_factory, message["photo"][-1]["file_id"]) is Outcome.SENT
    row = received(session_factory)
    assert (row.state, row.mime_type, row.size) == ("stored", "image/jpeg", len(original))
    assert row.content == original and row.stored_at is not None
    assert bot_said(sim) == []  # nothing to say when it is kept
    with session_factory() as session:
        assert session.get(Notification, f"tg-9:{row.id}").method == "getFile"


def test_a_photo_over_the_limit_is_refused_and_said(sim, session_factory):
    large = jpeg(1600, 1200)
    assert len(large) > MAX
    message = resident_sends(sim, photo={"data_base64": encoded(large)})
    assert fetch(sim, session_factory, message["photo"][-1]["file_id"]) is Outcome.SENT
    row = received(session_factory)
    assert (row.state, row.reason, row.content) == ("refused", "too_big", None)
    [said] = bot_said(sim)
    assert "tidak dapat disimpan: ukurannya melebihi 195 KB" in said


def test_a_file_telegram_will_not_serve_is_refused(sim, session_factory):
    message = resident_sends(sim, photo={"data_base64": encoded(jpeg(64, 48)),
                                         "file_size": 30 * 1024 * 1024})
    fetch(sim, session_factory, message["photo"][-1]["file_id"], max_bytes=50 * 1024 * 1024)
    assert received(session_factory).reason == "too_big"  # Telegram's own 20 MB


def test_something_that_is_no_image_is_refused(sim, session_factory):
    message = resident_sends(sim, document={"data_base64": encoded(b"%PDF-1.4 not a photo"),
                                            "file_name": "foto.jpg", "mime_type": "image/jpeg"})
    fetch(sim, session_factory, message["document"]["file_id"])
    row = received(session_factory)
    assert (row.state, row.reason) == ("refused", "not_image")
    assert "bukan gambar JPG atau PNG" in bot_said(sim)[0]


def test_an_unknown_file_id_is_unavailable(sim, session_factory):
    fetch(sim, session_factory, "AgADnothere")
    assert received(session_factory).reason == "unavailable"


def test_a_redelivered_download_does_nothing_twice(sim, session_factory):
    message = resident_sends(sim, document={"data_base64": encoded(b"GIF89a"),
                                            "file_name": "x.gif"})
    fetch(sim, session_factory, message["document"]["file_id"])
    with session_factory.begin() as session:
        session.query(Notification).delete()  # as if the record were lost: only the row says
    calls = len(requests.get(f"{sim}/sim/calls", timeout=10).json()["calls"])
    message_again = Outgoing(message_id="tg-9:again", chat_id=RESIDENT["id"], text="",
                             method="getFile", parse_mode=None,
                             extra={"file_id": message["document"]["file_id"],
                                    "received_file": fetch.received, "max_bytes": MAX})
    again = Delivery(tag=2, body=encode(message_again), headers={}, message=message_again)
    assert step(TelegramClient(sim, TEST_TOKEN), again, session_factory).outcome is Outcome.SENT
    assert len(requests.get(f"{sim}/sim/calls", timeout=10).json()["calls"]) == calls
    assert len(bot_said(sim)) == 1
