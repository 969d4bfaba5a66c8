"""Residents' photos, documents and locations; getFile and the file download, as Telegram."""

from __future__ import annotations

import base64
import io

import pytest
import requests
from PIL import Image

from tools.telegram_sim.app import create_app
from tools.telegram_sim.files import MAX_DOWNLOAD
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN
from tools.telegram_sim.testing import serve

AHLUL = {"id": 1001, "first_name": "Ahlul"}


@pytest.fixture
def spec(app):
    return app.extensions["telegram_sim"].spec


def image(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "green").save(out, fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def post(client, **content):
    return client.post("/sim/updates", json={"user": AHLUL, **content})


def sent_message(client, **content) -> dict:
    """Send as Ahlul and return the Message the bot gets through getUpdates."""
    response = post(client, **content)
    assert response.status_code == 200, response.json
    updates = client.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 0}).json["result"]
    [update] = [u for u in updates if u["update_id"] == response.json["update_id"]]
    client.post(f"/bot{TOKEN}/getUpdates", json={"offset": update["update_id"] + 1})
    return update["message"]


def get_file(client, file_id: str) -> dict:
    return client.post(f"/bot{TOKEN}/getFile", json={"file_id": file_id}).json


def download(client, file_path: str, token: str = TOKEN):
    return client.get(f"/file/bot{token}/{file_path}")


def test_a_photo_comes_in_telegrams_sizes_the_largest_the_original(client, spec):
    original = image(1600, 1200)
    message = sent_message(client, photo={"data_base64": b64(original), "caption": "Jalan rusak"})
    spec.check(message, ["Message"], strict=True)
    sizes = message["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 68), (320, 240), (800, 600), (1280, 960), (1600, 1200)]
    assert message["caption"] == "Jalan rusak"
    assert "text" not in message
    assert len({s["file_id"] for s in sizes}) == len({s["file_unique_id"] for s in sizes}) == 5
    assert sizes[-1]["file_size"] == len(original)
    assert [s["file_size"] for s in sizes] == sorted(s["file_size"] for s in sizes)

    file = get_file(client, sizes[-1]["file_id"])["result"]
    spec.check(file, ["File"], strict=True)
    assert file["file_id"] == sizes[-1]["file_id"]
    assert file["file_unique_id"] == sizes[-1]["file_unique_id"]
    assert file["file_size"] == len(original)
    assert file["file_path"].startswith("photos/") and file["file_path"].endswith(".jpg")
    got = download(client, file["file_path"])
    assert got.status_code == 200
    assert got.mimetype == "image/jpeg"
    assert got.data == original


def test_every_smaller_size_downloads_as_a_jpeg_of_its_size(client):
    sizes = sent_message(client, photo={"data_base64": b64(image(640, 480, "PNG"))})["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (320, 240), (640, 480)]
    for size in sizes[:-1]:
        file = get_file(client, size["file_id"])["result"]
        data = download(client, file["file_path"]).data
        assert len(data) == size["file_size"] == file["file_size"]
        with Image.open(io.BytesIO(data)) as small:
            assert (small.format, small.size) == ("JPEG", (size["width"], size["height"]))
    largest = get_file(client, sizes[-1]["file_id"])["result"]
    assert largest["file_path"].endswith(".png")
    assert download(client, largest["file_path"]).mimetype == "image/png"


def test_a_small_photo_is_one_size_and_a_transparent_png_scales_onto_white(client):
    assert len(sent_message(client, photo={"data_base64": b64(image(60, 40))})["photo"]) == 1
    sizes = sent_message(client, photo={"data_base64": b64(image(400, 100, "PNG", "RGBA"))})[
        "photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 23), (320, 80), (400, 100)]


def test_a_declared_size_over_20_mb_is_too_big_for_get_file(client):
    declared = MAX_DOWNLOAD + 1
    sizes = sent_message(client, photo={"data_base64": b64(image(400, 300)),
                                        "file_size": declared})["photo"]
    assert sizes[-1]["file_size"] == declared
    assert get_file(client, sizes[-1]["file_id"]) == {
        "ok": False, "error_code": 400, "description": "Bad Request: file is too big"}
    assert get_file(client, sizes[0]["file_id"])["ok"]  # the thumbnail is small

    just = sent_message(client, document={"data_base64": b64(b"%PDF-1.4"), "file_name": "a.pdf",
                                          "file_size": MAX_DOWNLOAD})["document"]
    assert get_file(client, just["file_id"])["result"]["file_size"] == MAX_DOWNLOAD


def test_a_document_keeps_its_name_type_and_bytes(client, spec):
    data = b"%PDF-1.4\n% KTP scan\n%%EOF\n"
    message = sent_message(client, document={
        "data_base64": b64(data), "file_name": "../../ktp saya.PDF", "caption": "/aduan KTP"})
    spec.check(message, ["Message"], strict=True)
    document = message["document"]
    assert document["file_name"] == "ktp saya.PDF"
    assert document["mime_type"] == "application/pdf"
    assert document["file_size"] == len(data)
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    file = get_file(client, document["file_id"])["result"]
    assert file["file_path"].startswith("documents/") and file["file_path"].endswith(".pdf")
    assert download(client, file["file_path"]).data == data
    page_copy = client.get(f"/sim/files/{document['file_id']}")
    assert page_copy.data == data
    assert "attachment" in page_copy.headers["Content-Disposition"]


def test_a_given_mime_type_is_kept_and_an_unknown_name_is_octet_stream(client):
    given = sent_message(client, document={"data_base64": b64(b"x"), "file_name": "a.bin",
                                           "mime_type": "image/svg+xml"})["document"]
    assert given["mime_type"] == "image/svg+xml"
    unknown = sent_message(client, document={"data_base64": b64(b"x"), "file_name": "data"})
    assert unknown["document"]["mime_type"] == "application/octet-stream"


def test_a_location_is_a_location_message(client, spec):
    message = sent_message(client, location={"latitude": -7.5617, "longitude": 112.2711})
    spec.check(message, ["Message"], strict=True)
    assert message["location"] == {"latitude": -7.5617, "longitude": 112.2711}
    assert "text" not in message
    accurate = sent_message(client, location={"latitude": 48, "longitude": 2.35,
                                              "horizontal_accuracy": 25})
    assert accurate["location"] == {"latitude": 48.0, "longitude": 2.35,
                                    "horizontal_accuracy": 25.0}


def test_a_file_the_bot_uploaded_is_gettable_too(client):
    sent_message(client, text="Halo")
    sent = client.post(f"/bot{TOKEN}/sendDocument", data={
        "chat_id": "1001", "document": (io.BytesIO(b"surat"), "surat.pdf")}).json["result"]
    file = get_file(client, sent["document"]["file_id"])["result"]
    assert file["file_size"] == 5
    assert download(client, file["file_path"]).data == b"surat"


def test_a_photo_file_id_is_no_document(client):
    sizes = sent_message(client, photo={"data_base64": b64(image(50, 50))})["photo"]
    answer = client.post(f"/bot{TOKEN}/sendDocument",
                         json={"chat_id": 1001, "document": sizes[-1]["file_id"]}).json
    assert answer["description"] == "Bad Request: can't use file of type Photo as Document"


@pytest.mark.parametrize(("params", "description"), [
    ({"file_id": "AgACAgUAAxkBAAInope"}, "Bad Request: invalid file_id"),
    ({}, "Bad Request: file_id is empty"),
    ({"file_id": {"x": 1}}, 'Bad Request: field "file_id" must be of type String'),
])
def test_get_file_refuses_what_telegram_refuses(client, params, description):
    answer = client.post(f"/bot{TOKEN}/getFile", json=params).json
    assert answer == {"ok": False, "error_code": 400, "description": description}


def test_the_download_checks_the_token_and_the_path(client):
    document = sent_message(client, document={"data_base64": b64(b"x"), "file_name": "a.txt"})[
        "document"]
    path = get_file(client, document["file_id"])["result"]["file_path"]
    wrong = download(client, path, token="123456:WRONG")
    assert wrong.status_code == 401
    assert wrong.json == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    missing = download(client, "documents/file_999.txt")
    assert missing.status_code == 404
    assert missing.json == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_reset_forgets_the_files(client):
    document = sent_message(client, document={"data_base64": b64(b"x"), "file_name": "a.txt"})[
        "document"]
    path = get_file(client, document["file_id"])["result"]["file_path"]
    client.post("/sim/reset")
    assert get_file(client, document["file_id"])["description"] == "Bad Request: invalid file_id"
    assert download(client, path).status_code == 404


def test_get_file_is_logged_and_faults_apply_to_it(client):
    client.post("/sim/faults", json={"error_code": 500, "method": "getFile", "html": False,
                                     "description": "Internal Server Error"})
    assert get_file(client, "whatever")["error_code"] == 500
    assert get_file(client, "whatever")["error_code"] == 400
    calls = client.get("/sim/calls").json["calls"]
    assert [(c["method"], c["status"]) for c in calls] == [("getFile", 500), ("getFile", 400)]


def test_the_conversation_shows_the_residents_attachments(client):
    post(client, photo={"data_base64": b64(image(100, 80))})
    post(client, location={"latitude": -7.56, "longitude": 112.27})
    entries = client.get("/sim/conversation?chat_id=1001").json["messages"]
    assert [e["sender"] for e in entries] == ["resident", "resident"]
    photo = entries[0]["message"]["photo"]
    assert client.get(f"/sim/files/{photo[-1]['file_id']}").mimetype == "image/jpeg"
    assert entries[1]["message"]["location"] == {"latitude": -7.56, "longitude": 112.27}


def test_over_http_a_bot_downloads_what_the_resident_sent():
    app = create_app(TOKEN)
    original = image(500, 400)
    try:
        with serve(app) as url:
            requests.post(f"{url}/sim/updates", timeout=5, json={
                "user": AHLUL, "photo": {"data_base64": b64(original)}}).raise_for_status()
            [update] = requests.get(f"{url}/bot{TOKEN}/getUpdates", timeout=5).json()["result"]
            file_id = update["message"]["photo"][-1]["file_id"]
            file = requests.get(f"{url}/bot{TOKEN}/getFile", params={"file_id": file_id},
                                timeout=5).json()["result"]
            got = requests.get(f"{url}/file/bot{TOKEN}/{file['file_path']}", timeout=5)
            assert got.status_code == 200 and got.content == original
    finally:
        app.extensions["telegram_sim"].close()


NOT_AN_IMAGE = b64(b"%PDF-1.4 not a photo")
TRUNCATED = b64(image(200, 200)[:300])
GIF = b64(image(10, 10, "GIF", "P"))


@pytest.mark.parametrize(("content", "problem"), [
    ({"photo": {"data_base64": "not base64!"}}, "photo.data_base64 is not valid base64"),
    ({"photo": {"data_base64": ""}}, "photo.data_base64 is empty"),
    ({"photo": {}}, "photo.data_base64 must be a string"),
    ({"photo": "abc"}, "photo must be an object"),
    ({"photo": {"data_base64": NOT_AN_IMAGE}}, "photo must be a JPEG or PNG image"),
    ({"photo": {"data_base64": TRUNCATED}}, "photo must be a JPEG or PNG image"),
    ({"photo": {"data_base64": GIF}}, "photo must be a JPEG or PNG image, not GIF"),
    ({"photo": {"data_base64": b64(image(10, 10)), "caption": "x" * 1025}},
     "photo.caption must be at most 1024 characters"),
    ({"photo": {"data_base64": b64(image(10, 10)), "caption": 5}},
     "photo.caption must be a string"),
    ({"photo": {"data_base64": b64(image(10, 10)), "file_size": 3}},
     "photo.file_size must be between the bytes sent"),
    ({"photo": {"data_base64": b64(image(10, 10)), "file_size": "big"}},
     "photo.file_size must be an integer"),
    ({"document": {"data_base64": b64(b"x")}}, "document.file_name must be a non-empty"),
    ({"document": {"data_base64": b64(b"x"), "file_name": "dir/.."}},
     "document.file_name must be a non-empty"),
    ({"document": {"data_base64": b64(b"x"), "file_name": "  "}},
     "document.file_name must be a non-empty"),
    ({"document": {"data_base64": b64(b"x"), "file_name": "a" * 256}},
     "document.file_name must be at most 255"),
    ({"document": {"data_base64": b64(b"x"), "file_name": "a", "mime_type": "pdf"}},
     "document.mime_type must be a MIME type"),
    ({"document": {"data_base64": b64(b"x"), "file_name": "a", "file_size": 5 * 1024**3}},
     "document.file_size must be between"),
    ({"location": {"latitude": 91, "longitude": 0}},
     "location.latitude must be between -90 and 90"),
    ({"location": {"latitude": 0, "longitude": -180.5}},
     "location.longitude must be between -180 and 180"),
    ({"location": {"latitude": "-7.5", "longitude": 112}}, "location.latitude must be a number"),
    ({"location": {"latitude": True, "longitude": 112}}, "location.latitude must be a number"),
    ({"location": {"longitude": 112}}, "location.latitude must be a number"),
    ({"location": {"latitude": 0, "longitude": 0, "horizontal_accuracy": 2000}},
     "location.horizontal_accuracy must be between 0 and 1500"),
    ({"location": [0, 0]}, "location must be an object"),
    ({"text": "hi", "location": {"latitude": 0, "longitude": 0}},
     "not text and location together"),
    ({}, "give one of text, photo, document, location, callback_data, update"),
])
def test_bad_attachments_are_refused_with_the_reason(client, content, problem):
    response = post(client, **content)
    assert response.status_code == 400
    assert problem in response.json["error"]
    assert client.post(f"/bot{TOKEN}/getUpdates", json={}).json["result"] == []


def test_a_photo_with_too_many_pixels_is_refused(client, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    response = post(client, photo={"data_base64": b64(image(100, 100))})
    assert response.status_code == 400
    assert response.json["error"] == "photo has too many pixels"
