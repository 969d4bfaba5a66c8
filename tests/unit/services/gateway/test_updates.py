"""Telegram Update JSON -> Command."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts import decode_command, encode
from services.gateway.updates import InvalidUpdate, parse_update


def message_update(text="Biodata", chat_type="private", update_id=1000, **extra):
    message = {"message_id": 7, "date": 1764300000,
               "chat": {"id": 42, "type": chat_type, "first_name": "Ahlul"},
               "from": {"id": 42, "is_bot": False, "first_name": "Ahlul", "language_code": "id"}}
    if text is not None:
        message["text"] = text
    message.update(extra)
    return {"update_id": update_id, "message": message}


def test_private_text_message_becomes_a_command():
    command = parse_update(message_update("DAFTAR#5201142005716996#5201140104126994"))
    assert command.message_id == "tg-1000"
    assert (command.service, command.action) == ("data", "register")
    assert command.args == ("5201142005716996", "5201140104126994")
    assert (command.chat_id, command.user_id, command.language) == (42, 42, "id")
    assert command.routing_key == "data.register"


def test_message_without_text_gets_help():
    command = parse_update(message_update(text=None, sticker={"file_id": "x"}))
    assert (command.service, command.action) == ("data", "unknown")


def test_a_photo_goes_to_the_letter_service_as_its_largest_size():
    sizes = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60,
              "file_size": 1200},
             {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 853,
              "file_size": 98000}]
    command = parse_update(message_update(text=None, photo=sizes, caption="jalan"))
    assert command.routing_key == "letter.attachment"
    assert command.attachment == {"type": "photo", "file_id": "large", "file_unique_id": "l",
                                  "file_size": 98000}


def test_a_document_and_a_location_are_attachments_too():
    document = {"file_id": "d", "file_unique_id": "ud", "file_name": "laporan.pdf",
                "mime_type": "application/pdf", "file_size": 5000}
    command = parse_update(message_update(text=None, document=document))
    assert command.attachment == {"type": "document", **document}
    command = parse_update(message_update(text=None, location={"latitude": -7.55,
                                                               "longitude": 112.23}))
    assert command.attachment == {"type": "location", "latitude": -7.55, "longitude": 112.23}
    assert command.routing_key == "letter.attachment"


@pytest.mark.parametrize("update", [
    message_update(chat_type="group"),
    message_update(chat_type="supergroup"),
    {"update_id": 5, "edited_message": message_update()["message"]},
    {"update_id": 5, "channel_post": {"message_id": 1, "date": 1, "chat": {"id": -1,
                                                                           "type": "channel"}}},
    {"update_id": 5, "my_chat_member": {}},
    {"update_id": 5},
    {"update_id": 5, "message": {"message_id": "x"}},
    {"update_id": 5, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
                                 "from": {"id": 1, "is_bot": True, "first_name": "bot"},
                                 "text": "hi"}},
])
def test_kinds_we_do_not_serve_are_ignored(update):
    assert parse_update(update) is None


@pytest.mark.parametrize("raw", [[], "x", 3, None, {}, {"update_id": "1"}, {"update_id": 1.5},
                                 {"update_id": True}])
def test_non_updates_are_invalid(raw):
    with pytest.raises(InvalidUpdate):
        parse_update(raw)


def test_callback_query_routes_its_data():
    update = {"update_id": 9, "callback_query": {
        "id": "cb1", "from": {"id": 42, "is_bot": False, "first_name": "A"}, "data": "Biodata",
        "chat_instance": "x",
        "message": {"message_id": 3, "date": 1, "chat": {"id": 42, "type": "private"}}}}
    command = parse_update(update)
    assert command.action == "biodata" and command.callback_query_id == "cb1"
    assert command.callback_message_id == 3  # whose keyboard a reply may take off
    assert decode_command(encode(command)) == command


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                      max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from(["update_id", "message", "callback_query", "x"]),
                       json_values))
def test_no_exception_but_invalid_update_escapes(raw):
    try:
        parse_update(raw)
    except InvalidUpdate:
        pass


@given(st.text(max_size=5000))
def test_any_text_in_a_private_message_becomes_a_command(text):
    command = parse_update(message_update(text))
    assert command is not None and len(command.text) <= 4096
