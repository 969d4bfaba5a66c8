"""The simulator checks every call against the Bot API spec: reply markups, nested types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.telegram_sim.app import create_app
from tools.telegram_sim.extract_spec import SOURCE, TARGET, extract
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN

AHLUL = {"id": 1001, "first_name": "Ahlul"}


@pytest.fixture
def client():
    app = create_app(TOKEN)
    client = app.test_client()
    client.post("/sim/updates", json={"user": AHLUL, "text": "/start"})
    yield client
    app.extensions["telegram_sim"].close()


def send(client, reply_markup, method="sendMessage", as_form=False, **extra):
    params = {"chat_id": 1001, "text": "Menu", **extra}
    if as_form:
        params["reply_markup"] = reply_markup if isinstance(reply_markup, str) else json.dumps(
            reply_markup)
        return client.post(f"/bot{TOKEN}/{method}", data=params)
    return client.post(f"/bot{TOKEN}/{method}", json={**params, "reply_markup": reply_markup})


GOOD_MARKUPS = [
    {"keyboard": [["Biodata", "Keluarga", "Surat"], ["PKH", "BPNT", "KIS"]],
     "resize_keyboard": True, "is_persistent": True},
    {"keyboard": [[{"text": "Kirim kontak", "request_contact": True}]],
     "one_time_keyboard": True, "input_field_placeholder": "Pilih menu"},
    {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"},
                          {"text": "Situs", "url": "https://sumbermulyo.desa.id"}]]},
    {"inline_keyboard": []},
    {"remove_keyboard": True},
    {"remove_keyboard": True, "selective": False},
    {"force_reply": True, "input_field_placeholder": "NIK"},
    json.dumps({"remove_keyboard": True}),  # JSON body with the markup as a JSON string
]


@pytest.mark.parametrize("markup", GOOD_MARKUPS)
@pytest.mark.parametrize("as_form", [False, True])
def test_valid_reply_markups_are_accepted(client, markup, as_form):
    response = send(client, markup, as_form=as_form)
    assert response.status_code == 200, response.json


BAD_MARKUPS = [
    ("{not json", "can't parse reply keyboard markup JSON object"),
    ([["Biodata"]], "object expected as reply markup"),
    ({"buttons": [["Biodata"]]},
     "can't parse reply keyboard markup: Expected one of InlineKeyboardMarkup, "
     "ReplyKeyboardMarkup, ReplyKeyboardRemove, ForceReply"),
    ({"keyboard": ["Biodata", "Keluarga"]},
     "can't parse reply keyboard markup: Field \"keyboard[0]\" must be of type "
     "Array of KeyboardButton"),
    ({"keyboard": [[{"label": "Biodata"}]]},
     "can't parse keyboard button: Can't find field \"text\""),
    ({"keyboard": [[{"text": 7}]]},
     "can't parse keyboard button: Field \"text\" must be of type String"),
    ({"keyboard": [["Biodata"]], "resize_keyboard": "yes"},
     "can't parse reply keyboard markup: Field \"resize_keyboard\" must be of type Boolean"),
    ({"keyboard": [["a"]], "input_field_placeholder": "x" * 65},
     "can't parse reply keyboard markup: Field \"input_field_placeholder\" must be "
     "1-64 characters long"),
    ({"inline_keyboard": [[{"text": "Ya"}]]},
     "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
    ({"inline_keyboard": [[{"callback_data": "ya"}]]},
     "can't parse inline keyboard button: Can't find field \"text\""),
    ({"inline_keyboard": [[{"text": "Ya", "callback_data": "x" * 65}]]}, "BUTTON_DATA_INVALID"),
    ({"inline_keyboard": [[{"text": "Ya", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
    ({"inline_keyboard": [[{"text": "Ya", "url": "desa.id"}]]},
     "inline keyboard button URL 'desa.id' is invalid: Wrong HTTP URL"),
    ({"inline_keyboard": [[{"text": "Buka", "url": "http://konsol:8090/aduan/1"}]]},
     "BUTTON_URL_INVALID"),
    ({"inline_keyboard": [[{"text": "Ya", "web_app": {}}]]},
     "can't parse inline keyboard button: Can't find field \"url\""),
    ({"remove_keyboard": "true"},
     "can't parse reply keyboard markup: Field \"remove_keyboard\" must be of type Boolean"),
    ({"force_reply": 1},
     "can't parse reply keyboard markup: Field \"force_reply\" must be of type Boolean"),
]


@pytest.mark.parametrize(("markup", "description"), BAD_MARKUPS)
def test_invalid_reply_markups_are_400_with_a_reason(client, markup, description):
    response = send(client, markup)
    assert response.status_code == 400
    assert response.json["description"] == f"Bad Request: {description}"


def test_the_call_log_says_where_a_markup_is_wrong(client):
    send(client, {"inline_keyboard": [[{"text": "a", "callback_data": "a"}, {"text": 1}]]})
    call = client.get("/sim/calls").json["calls"][-1]
    assert call["status"] == 400
    assert call["detail"] == "reply_markup.inline_keyboard[0][1].text"


def test_edits_take_only_inline_keyboards(client):
    sent = send(client, {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}).json
    response = client.post(f"/bot{TOKEN}/editMessageReplyMarkup", json={
        "chat_id": 1001, "message_id": sent["result"]["message_id"],
        "reply_markup": {"keyboard": [["a"]]}})
    assert response.status_code == 400
    assert response.json["description"] == (
        "Bad Request: can't parse reply keyboard markup: Can't find field \"inline_keyboard\"")


def test_nested_types_of_other_parameters_are_checked(client):
    cases = [
        ({"entities": [{"type": "bold", "offset": "0", "length": 4}]},
         "Bad Request: can't parse entities: Field \"offset\" must be of type Integer"),
        ({"entities": [{"type": "shouting", "offset": 0, "length": 4}]},
         "Bad Request: can't parse entities: Field \"type\" must be one of mention, hashtag, "
         "cashtag, bot_command, url, email, phone_number, bold, italic, underline, "
         "strikethrough, spoiler, blockquote, expandable_blockquote, code, pre, text_link, "
         "text_mention, custom_emoji, date_time"),
        ({"link_preview_options": {"is_disabled": "no"}},
         "Bad Request: can't parse link preview options: Field \"is_disabled\" must be of "
         "type Boolean"),
        ({"reply_parameters": {"chat_id": 1001}},
         "Bad Request: can't parse reply parameters: Can't find field \"message_id\""),
        ({"reply_parameters": {"message_id": 99}}, "Bad Request: message to be replied not found"),
    ]
    for extra, description in cases:
        response = client.post(f"/bot{TOKEN}/sendMessage",
                               json={"chat_id": 1001, "text": "Menu", **extra})
        assert response.json["description"] == description, extra


def test_explicit_entities_and_replies_show_in_the_message(client):
    response = client.post(f"/bot{TOKEN}/sendMessage", json={
        "chat_id": 1001, "text": "Menu", "entities": [{"type": "bold", "offset": 0, "length": 4}],
        "reply_parameters": {"message_id": 1}})
    result = response.json["result"]
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert result["reply_to_message"]["text"] == "/start"


def test_command_scopes_are_checked_by_their_type(client):
    ok = client.post(f"/bot{TOKEN}/setMyCommands", json={
        "commands": [{"command": "start", "description": "Mulai"}],
        "scope": {"type": "chat", "chat_id": 1001}})
    assert ok.json["ok"]
    bad = client.post(f"/bot{TOKEN}/setMyCommands", json={
        "commands": [{"command": "start", "description": "Mulai"}], "scope": {"type": "moon"}})
    assert bad.json["description"] == (
        "Bad Request: can't parse bot command scope: Unsupported BotCommandScope type \"moon\"")


def test_bundled_spec_is_what_extract_spec_makes():
    if not SOURCE.exists():
        pytest.skip("the shared api.json is not on this machine")
    made = extract(json.loads(SOURCE.read_text(encoding="utf-8")))
    assert json.loads(Path(TARGET).read_text(encoding="utf-8")) == made
    assert made["version"] == "Bot API 10.1"
