"""The fake Bot API through Flask's test client: envelope, errors, methods, control API."""

from __future__ import annotations

import threading
import time

import pytest

from tools.telegram_sim.testing import TEST_TOKEN as TOKEN

AHLUL = {"id": 1001, "first_name": "Ahlul", "username": "ahlul", "language_code": "id"}
SITI = {"id": 1002, "first_name": "Siti"}


@pytest.fixture
def spec(app):
    return app.extensions["telegram_sim"].spec


def api(client, method, **params):
    return client.post(f"/bot{TOKEN}/{method}", json=params)


def say(client, user=AHLUL, text="Biodata"):
    response = client.post("/sim/updates", json={"user": user, "text": text})
    assert response.status_code == 200, response.json
    return response.json["update_id"]


def test_get_me_answers_a_spec_valid_bot_user(client, spec):
    body = client.get(f"/bot{TOKEN}/getMe").json
    assert body["ok"] is True
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "desa_sim_bot"
    assert body["result"]["id"] == 123456
    spec.check(body["result"], ["User"], strict=True)


@pytest.mark.parametrize("verb", ["get", "post"])
def test_wrong_token_is_401_unauthorized(client, verb):
    response = getattr(client, verb)("/bot123456:WRONG/getMe")
    assert response.status_code == 401
    assert response.json == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_404_not_found(client):
    response = api(client, "sendPigeon", chat_id=1)
    assert response.status_code == 404
    assert response.json == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_method_names_are_case_insensitive(client):
    say(client)
    assert api(client, "GETME").json["ok"]
    assert api(client, "sendmessage", chat_id=1001, text="x").json["ok"]


def test_parameters_come_from_query_string_form_or_json(client):
    say(client)
    by_query = client.get(f"/bot{TOKEN}/sendMessage?chat_id=1001&text=query")
    by_form = client.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": "1001", "text": "form"})
    by_json = api(client, "sendMessage", chat_id="1001", text="json")
    assert [r.json["result"]["text"] for r in (by_query, by_form, by_json)] == [
        "query", "form", "json"]


@pytest.mark.parametrize(("params", "description"), [
    ({"text": "hi"}, "Bad Request: chat_id is empty"),
    ({"chat_id": 1001}, "Bad Request: message text is empty"),
    ({"chat_id": 1001, "text": ""}, "Bad Request: message text is empty"),
    ({"chat_id": 1001, "text": "<b> </b>", "parse_mode": "HTML"},
     "Bad Request: message text is empty"),
    ({"chat_id": 999, "text": "hi"}, "Bad Request: chat not found"),
    ({"chat_id": "@ahlul", "text": "hi"}, "Bad Request: chat not found"),
    ({"chat_id": {"id": 1001}, "text": "hi"},
     'Bad Request: field "chat_id" must be of type Integer or String'),
    ({"chat_id": True, "text": "hi"},
     'Bad Request: field "chat_id" must be of type Integer or String'),
    ({"chat_id": 1001, "text": "hi", "disable_notification": "maybe"},
     'Bad Request: field "disable_notification" must be of type Boolean'),
    ({"chat_id": 1001, "text": "hi", "parse_mode": "BBCode"},
     "Bad Request: unsupported parse_mode"),
])
def test_send_message_errors_read_like_telegram(client, params, description):
    say(client)
    response = api(client, "sendMessage", **params)
    assert response.status_code == 400
    assert response.json == {"ok": False, "error_code": 400, "description": description}


def test_booleans_take_telegram_spellings(client):
    say(client)
    client.post("/sim/limits", json={"enabled": False})  # five sends to one chat at once
    for value in (True, "true", "False", 1, "0"):
        assert api(client, "sendMessage", chat_id=1001, text="x",
                   disable_notification=value).json["ok"], value


def test_send_message_returns_a_spec_valid_message_with_ids_per_chat(client, spec):
    say(client)  # message 1 of chat 1001 is the resident's
    say(client, SITI)
    first = api(client, "sendMessage", chat_id=1001, text="a").json["result"]
    second = api(client, "sendMessage", chat_id=1001, text="b").json["result"]
    other = api(client, "sendMessage", chat_id=1002, text="c").json["result"]
    assert (first["message_id"], second["message_id"], other["message_id"]) == (2, 3, 2)
    assert first["from"]["is_bot"] is True
    assert first["chat"] == {"id": 1001, "type": "private", "first_name": "Ahlul",
                             "username": "ahlul"}
    assert abs(first["date"] - time.time()) < 5
    for message in (first, second, other):
        spec.check(message, ["Message"], strict=True)


def test_text_limit_is_4096_characters_after_entity_parsing(client):
    say(client)
    client.post("/sim/limits", json={"enabled": False})  # four sends to one chat at once
    assert api(client, "sendMessage", chat_id=1001, text="a" * 4096).json["ok"]
    tagged = "<b>" + "a" * 4096 + "</b>"
    assert api(client, "sendMessage", chat_id=1001, text=tagged, parse_mode="HTML").json["ok"]
    escaped = "&amp;" * 4096
    assert api(client, "sendMessage", chat_id=1001, text=escaped, parse_mode="HTML").json["ok"]
    too_long = api(client, "sendMessage", chat_id=1001, text="a" * 4097)
    assert too_long.status_code == 400
    assert too_long.json["description"] == "Bad Request: message is too long"


def test_html_text_comes_back_plain_with_entities(client):
    say(client)
    text = '<b>Halo</b> &lt;Ahlul&gt;, lihat <a href="https://desa.id/x">ini</a> 👍 <i>ya</i>'
    result = api(client, "sendMessage", chat_id=1001, text=text, parse_mode="HTML").json["result"]
    assert result["text"] == "Halo <Ahlul>, lihat ini 👍 ya"
    assert result["entities"] == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 20, "length": 3, "url": "https://desa.id/x"},
        {"type": "italic", "offset": 27, "length": 2},  # 👍 is two UTF-16 units
    ]


def test_get_updates_confirms_by_offset_like_telegram(client):
    ids = [say(client, text=f"m{i}") for i in range(3)]
    assert ids == sorted(ids) and ids[0] >= 100000
    got = api(client, "getUpdates").json["result"]
    assert [u["update_id"] for u in got] == ids
    assert api(client, "getUpdates", limit=1).json["result"][0]["update_id"] == ids[0]
    got = api(client, "getUpdates", offset=ids[1]).json["result"]
    assert [u["update_id"] for u in got] == ids[1:]
    assert [u["update_id"] for u in api(client, "getUpdates").json["result"]] == ids[1:]
    assert api(client, "getUpdates", offset=ids[2] + 1).json["result"] == []
    assert api(client, "getWebhookInfo").json["result"]["pending_update_count"] == 0


def test_get_updates_negative_offset_keeps_the_last_ones(client):
    ids = [say(client, text=f"m{i}") for i in range(3)]
    assert [u["update_id"] for u in api(client, "getUpdates", offset=-1).json["result"]] == ids[2:]
    assert [u["update_id"] for u in api(client, "getUpdates").json["result"]] == ids[2:]


def test_resident_updates_are_spec_valid_with_bot_command_entities(client, spec):
    say(client, text="/start")
    [update] = api(client, "getUpdates").json["result"]
    spec.check(update, ["Update"], strict=True)
    message = update["message"]
    assert message["chat"]["id"] == message["from"]["id"] == 1001
    assert message["from"]["language_code"] == "id"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_get_updates_long_polls_until_an_update_arrives(client, app):
    threading.Timer(0.2, lambda: say(app.test_client())).start()
    started = time.monotonic()
    got = api(client, "getUpdates", timeout=5).json["result"]
    assert len(got) == 1 and time.monotonic() - started < 3


def test_get_updates_times_out_with_an_empty_list(client):
    started = time.monotonic()
    assert api(client, "getUpdates", timeout=1).json["result"] == []
    assert time.monotonic() - started >= 0.9


def test_a_second_get_updates_terminates_the_first(client, app):
    answers = []
    first = threading.Thread(
        target=lambda: answers.append(api(app.test_client(), "getUpdates", timeout=5)))
    first.start()
    # The first poll counts itself under the queue's lock and holds it until it waits.
    queue, deadline = app.extensions["telegram_sim"].queue, time.monotonic() + 5
    while queue._poller == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert api(client, "getUpdates", timeout=0).json["ok"]
    first.join(5)
    assert answers[0].status_code == 409
    assert answers[0].json["description"].startswith("Conflict: terminated by other getUpdates")


def test_get_updates_is_409_while_a_webhook_is_set(client):
    set_hook = api(client, "setWebhook", url="http://127.0.0.1:9/hook")
    assert set_hook.json == {"ok": True, "result": True, "description": "Webhook was set"}
    response = api(client, "getUpdates")
    assert response.status_code == 409
    assert response.json["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first")
    assert api(client, "deleteWebhook").json["description"] == "Webhook was deleted"
    assert api(client, "getUpdates").json["ok"]


def test_webhook_settings_show_in_get_webhook_info(client, spec):
    api(client, "setWebhook", url="https://bot.desa.id/telegram/webhook", secret_token="s3cr-t_",
        max_connections=5, allowed_updates=["message", "callback_query"])
    info = api(client, "getWebhookInfo").json["result"]
    assert info == {"url": "https://bot.desa.id/telegram/webhook", "has_custom_certificate": False,
                    "pending_update_count": 0, "max_connections": 5,
                    "allowed_updates": ["message", "callback_query"]}
    spec.check(info, ["WebhookInfo"], strict=True)
    again = api(client, "setWebhook", url="https://bot.desa.id/telegram/webhook",
                secret_token="s3cr-t_", max_connections=5)
    assert again.json["description"] == "Webhook is already set"


@pytest.mark.parametrize(("params", "description"), [
    ({"url": "https://x.id/h", "secret_token": "no spaces"},
     "Bad Request: secret token contains unallowed characters"),
    ({"url": "https://x.id/h", "secret_token": "a" * 257},
     "Bad Request: secret_token is too long"),
    ({"url": "ftp://x.id/h"},
     "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
    ({"url": "https://x.id/h", "max_connections": "many"},
     'Bad Request: field "max_connections" must be of type Integer'),
])
def test_set_webhook_rejects_bad_settings(client, params, description):
    response = api(client, "setWebhook", **params)
    assert (response.status_code, response.json["description"]) == (400, description)


def test_allowed_updates_filters_new_updates(client):
    api(client, "getUpdates", allowed_updates=["callback_query"])
    response = client.post("/sim/updates", json={"user": AHLUL, "text": "hi"})
    assert response.json == {"update_id": None, "filtered": "not in allowed_updates"}
    api(client, "getUpdates", allowed_updates=[])
    assert say(client) is not None


def test_inline_button_tap_and_answer_callback_query(client, spec):
    say(client)
    keyboard = {"inline_keyboard": [[{"text": "Ya", "callback_data": "surat:ya"}]]}
    sent = api(client, "sendMessage", chat_id=1001, text="Lanjut?", reply_markup=keyboard).json
    api(client, "getUpdates", offset=-1)
    tap = client.post("/sim/updates", json={"user": AHLUL, "callback_data": "surat:ya"}).json
    [update] = api(client, "getUpdates", offset=tap["update_id"]).json["result"]
    spec.check(update, ["Update"], strict=True)
    query = update["callback_query"]
    assert query["data"] == "surat:ya" and query["id"] == tap["callback_query_id"]
    assert query["message"]["message_id"] == sent["result"]["message_id"]
    assert api(client, "answerCallbackQuery", callback_query_id=query["id"], text="OK").json == {
        "ok": True, "result": True}
    twice = api(client, "answerCallbackQuery", callback_query_id=query["id"])
    unknown = api(client, "answerCallbackQuery", callback_query_id="42")
    for response in (twice, unknown):
        assert response.status_code == 400
        assert "query ID is invalid" in response.json["description"]


def test_tap_needs_a_bot_message(client):
    say(client)
    response = client.post("/sim/updates",
                           json={"user": AHLUL, "callback_data": "x", "message_id": 1})
    assert response.status_code == 400 and "no bot message" in response.json["error"]


def test_a_button_taken_off_its_message_cannot_be_tapped(client, spec):
    """As in the app: once editMessageReplyMarkup removed a keyboard, its buttons are gone."""
    say(client)
    keyboard = {"inline_keyboard": [[{"text": "Kirim", "callback_data": "AJUKAN KIRIM"}]]}
    sent = api(client, "sendMessage", chat_id=1001, text="Kirim?", reply_markup=keyboard).json
    message_id = sent["result"]["message_id"]
    tap = {"user": AHLUL, "callback_data": "AJUKAN KIRIM", "message_id": message_id}
    assert client.post("/sim/updates", json=tap).status_code == 200
    removed = api(client, "editMessageReplyMarkup", chat_id=1001, message_id=message_id).json
    spec.check(removed["result"], ["Message"], strict=True)
    assert "reply_markup" not in removed["result"]
    again = client.post("/sim/updates", json=tap)
    assert again.status_code == 400 and "has no button 'AJUKAN KIRIM'" in again.json["error"]
    newest = client.post("/sim/updates", json={"user": AHLUL, "callback_data": "AJUKAN KIRIM"})
    assert newest.status_code == 400  # no message has it any more
    # Removing it twice is refused as Telegram does, "not modified"
    twice = api(client, "editMessageReplyMarkup", chat_id=1001, message_id=message_id)
    assert twice.status_code == 400 and "message is not modified" in twice.json["description"]


def test_edit_message_text_and_reply_markup(client, spec):
    say(client)
    keyboard = {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}
    sent = api(client, "sendMessage", chat_id=1001, text="Lanjut?", reply_markup=keyboard).json
    message_id = sent["result"]["message_id"]
    edited = api(client, "editMessageText", chat_id=1001, message_id=message_id,
                 text="<b>Selesai</b>", parse_mode="HTML", reply_markup=keyboard).json["result"]
    assert edited["text"] == "Selesai" and edited["reply_markup"] == keyboard
    assert "edit_date" in edited
    spec.check(edited, ["Message"], strict=True)
    same = api(client, "editMessageText", chat_id=1001, message_id=message_id,
               text="<b>Selesai</b>", parse_mode="HTML", reply_markup=keyboard)
    assert same.json["description"].startswith("Bad Request: message is not modified")
    bare = api(client, "editMessageReplyMarkup", chat_id=1001, message_id=message_id).json
    assert "reply_markup" not in bare["result"]
    for params, description in [
        ({"message_id": 99, "text": "x"}, "Bad Request: message to edit not found"),
        ({"message_id": 1, "text": "x"}, "Bad Request: message can't be edited"),
        ({"text": "x"}, "Bad Request: message identifier is not specified"),
    ]:
        response = api(client, "editMessageText", chat_id=1001, **params)
        assert response.json["description"] == description
    methods = [m["method"] for m in client.get("/sim/messages").json["messages"]]
    assert methods == ["sendMessage", "editMessageText", "editMessageReplyMarkup"]


def test_bot_commands_and_description(client):
    commands = [{"command": "start", "description": "Mulai"},
                {"command": "biodata", "description": "Data saya"}]
    assert api(client, "setMyCommands", commands=commands).json["result"] is True
    assert api(client, "getMyCommands").json["result"] == commands
    assert api(client, "getMyCommands", language_code="en").json["result"] == []
    bad = api(client, "setMyCommands", commands=[{"command": "Start", "description": "x"}])
    assert bad.json["description"] == "Bad Request: BOT_COMMAND_INVALID"
    missing = api(client, "setMyCommands", commands=[{"command": "start"}])
    assert missing.json["description"] == (
        "Bad Request: can't parse bot commands: Can't find field \"description\"")
    assert api(client, "setMyDescription", description="Layanan desa").json["ok"]
    assert api(client, "setMyDescription", description="").json["ok"]
    too_long = api(client, "setMyDescription", description="x" * 513)
    assert too_long.json["description"] == "Bad Request: BOT_DESCRIPTION_INVALID"


def test_sim_messages_filters_by_chat_and_seq_and_long_polls(client, app):
    say(client)
    say(client, SITI)
    api(client, "sendMessage", chat_id=1001, text="a")
    api(client, "sendMessage", chat_id=1002, text="b")
    everything = client.get("/sim/messages").json["messages"]
    assert [m["text"] for m in everything] == ["a", "b"]
    only_siti = client.get("/sim/messages?chat_id=1002").json["messages"]
    assert [m["text"] for m in only_siti] == ["b"]
    after = everything[-1]["seq"]
    assert client.get(f"/sim/messages?after={after}").json["messages"] == []
    threading.Timer(0.2, lambda: api(app.test_client(), "sendMessage", chat_id=1001,
                                     text="later")).start()
    started = time.monotonic()
    waited = client.get(f"/sim/messages?after={after}&chat_id=1001&wait=5").json["messages"]
    assert [m["text"] for m in waited] == ["later"] and time.monotonic() - started < 3


def test_sent_messages_are_recorded_with_what_the_bot_sent(client):
    say(client)
    keyboard = {"keyboard": [["Biodata", "Keluarga"]], "resize_keyboard": True}
    api(client, "sendMessage", chat_id=1001, text="<i>Menu</i>", parse_mode="HTML",
        reply_markup=keyboard)
    [record] = client.get("/sim/messages").json["messages"]
    assert record["chat_id"] == 1001 and record["method"] == "sendMessage"
    assert record["text"] == "<i>Menu</i>" and record["plain_text"] == "Menu"
    assert record["parse_mode"] == "HTML" and record["reply_markup"] == keyboard
    assert record["message_id"] == 2 and record["seq"] >= 1 and record["time"] > 0


def test_sim_calls_log_every_call_with_its_outcome(client):
    api(client, "sendMessage", chat_id=1001, text="hi")
    client.get("/bot1:WRONG/getMe")
    calls = client.get("/sim/calls").json["calls"]
    assert [(c["method"], c["status"], c["description"]) for c in calls] == [
        ("sendMessage", 400, "Bad Request: chat not found"),
        ("getMe", 401, "Unauthorized"),
    ]
    assert calls[0]["params"] == {"chat_id": 1001, "text": "hi"}
    assert client.get(f"/sim/calls?after={calls[0]['seq']}").json["calls"] == calls[1:]


def test_raw_updates_are_queued_as_given(client):
    first = say(client)
    odd = {"update_id": first, "edited_message": {"weird": True}}
    assert client.post("/sim/updates", json={"update": odd}).json == {"update_id": first}
    got = api(client, "getUpdates").json["result"]
    assert got[-1] == odd and got[0]["update_id"] == first
    assert say(client) > first


def test_a_raw_private_message_opens_its_chat(client):
    user = {"id": 5005, "is_bot": False, "first_name": "Sari"}
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "from": user,
                                          "chat": {"id": 5005, "type": "private"}, "text": "hi"}}
    client.post("/sim/updates", json={"update": update})
    assert api(client, "sendMessage", chat_id=5005, text="halo").status_code == 200
    # A raw update of another shape opens nothing.
    client.post("/sim/updates", json={"update": {"update_id": 2, "message": {"chat": 6006}}})
    assert api(client, "sendMessage", chat_id=6006, text="halo").status_code == 400


def test_reset_forgets_chats_messages_calls_and_updates_but_keeps_the_webhook(client):
    say(client)
    api(client, "sendMessage", chat_id=1001, text="a")
    api(client, "setWebhook", url="http://127.0.0.1:9/hook")
    assert client.post("/sim/reset").json == {"ok": True}
    assert client.get("/sim/messages").json["messages"] == []
    assert client.get("/sim/calls").json["calls"] == []
    assert client.get("/sim/chats").json["chats"] == []
    info = api(client, "getWebhookInfo").json["result"]
    assert info["url"] == "http://127.0.0.1:9/hook" and info["pending_update_count"] == 0
    assert api(client, "sendMessage", chat_id=1001, text="a").json["description"] == (
        "Bad Request: chat not found")


def test_faults_make_calls_fail_with_telegram_errors(client):
    say(client)
    client.post("/sim/faults", json={"method": "sendMessage", "error_code": 429,
                                     "description": "Too Many Requests: retry after 3",
                                     "retry_after": 3})
    client.post("/sim/faults", json={"chat_id": 1001, "error_code": 403, "times": 2,
                                     "description": "Forbidden: bot was blocked by the user"})
    limited = api(client, "sendMessage", chat_id=1001, text="x")
    assert limited.status_code == 429
    assert limited.json == {"ok": False, "error_code": 429,
                            "description": "Too Many Requests: retry after 3",
                            "parameters": {"retry_after": 3}}
    assert api(client, "sendMessage", chat_id=1001, text="x").status_code == 403
    assert api(client, "sendMessage", chat_id=1001, text="x").status_code == 403
    assert api(client, "sendMessage", chat_id=1001, text="x").status_code == 200


def test_other_paths_and_unreadable_bodies(client):
    assert client.get("/x").json == {"ok": False, "error_code": 404, "description": "Not Found"}
    wrong_token = client.post("/bot1:WRONG/getMe", data="{", content_type="application/json")
    assert wrong_token.status_code == 401
    garbled = client.post(f"/bot{TOKEN}/getMe", data="{", content_type="application/json")
    assert garbled.status_code == 400
    assert garbled.json["description"] == "Bad Request: can't parse JSON encoded request body"
