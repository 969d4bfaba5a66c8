"""The chat page's side of the simulator: personas, the conversation log, the bot's profile,
callback answers, and the page's files."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tools.telegram_sim.app import create_app
from tools.telegram_sim.personas import FIRST_ID
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN
from tools.telegram_sim.testing import WebhookReceiver, serve


def api(client, method, **params):
    body = client.post(f"/bot{TOKEN}/{method}", json=params).json
    assert body["ok"], body
    return body["result"]


def first_persona(client) -> dict:
    return client.get("/sim/users").json["users"][0]


def say(client, user, text):
    response = client.post("/sim/updates", json={"user": user, "text": text})
    assert response.status_code == 200, response.json
    return response.json


def conversation(client, chat_id, after=0, wait=0):
    url = f"/sim/conversation?chat_id={chat_id}&after={after}&wait={wait}"
    return client.get(url).json["messages"]


# Personas


def test_ready_made_personas_are_indonesian_residents_with_ids(client):
    users = client.get("/sim/users").json["users"]
    assert len(users) >= 3
    assert [u["id"] for u in users] == list(range(FIRST_ID, FIRST_ID + len(users)))
    assert all(u["language_code"] == "id" and u["is_bot"] is False for u in users)
    assert all(u["first_name"] for u in users)


def test_a_new_persona_gets_the_next_id_and_is_listed(client):
    before = client.get("/sim/users").json["users"]
    response = client.post("/sim/users", json={"first_name": " Wayan ", "username": "@wayan_s"})
    assert response.status_code == 201
    made = response.json
    assert made == {"id": before[-1]["id"] + 1, "is_bot": False, "first_name": "Wayan",
                    "username": "wayan_s", "language_code": "id"}
    assert client.get("/sim/users").json["users"][-1] == made


@pytest.mark.parametrize(("body", "problem"), [
    ({}, "first_name must be a non-empty string"),
    ({"first_name": "   "}, "first_name must be a non-empty string"),
    ({"first_name": 5}, "first_name must be a string"),
    ({"first_name": "X" * 65}, "first_name must be at most 64 characters"),
    ({"first_name": "Eko", "username": "ab"}, "username must be 5-32"),
    ({"first_name": "Eko", "username": "siti_rahayu"}, "username @siti_rahayu is taken"),
    ([], "expected a JSON object"),
])
def test_a_bad_persona_is_refused_with_the_reason(client, body, problem):
    response = client.post("/sim/users", json=body)
    assert response.status_code == 400
    assert problem in response.json["error"]


def test_personas_stay_across_reset(client):
    client.post("/sim/users", json={"first_name": "Eko"})
    client.post("/sim/reset")
    assert client.get("/sim/users").json["users"][-1]["first_name"] == "Eko"


# The conversation: both sides of a chat


def test_conversation_has_both_sides_in_order_with_the_bots_markup(client):
    siti = first_persona(client)
    say(client, siti, "/start")
    keyboard = {"keyboard": [["Biodata"]], "resize_keyboard": True}
    api(client, "sendMessage", chat_id=siti["id"], text="<b>Halo</b>", parse_mode="HTML",
        reply_markup=keyboard)
    say(client, siti, "Biodata")

    entries = conversation(client, siti["id"])
    assert [(e["sender"], e["event"], e["message_id"]) for e in entries] == [
        ("resident", "sent", 1), ("bot", "sent", 2), ("resident", "sent", 3)]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    mine, bots, _ = entries
    assert mine["message"]["text"] == "/start" and "reply_markup" not in mine
    assert bots["message"]["text"] == "Halo"
    assert bots["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert bots["method"] == "sendMessage" and bots["reply_markup"] == keyboard


def test_conversation_logs_edits_with_the_whole_edited_message(client):
    siti = first_persona(client)
    say(client, siti, "Status")
    sent = api(client, "sendMessage", chat_id=siti["id"], text="Diproses")
    api(client, "editMessageText", chat_id=siti["id"], message_id=sent["message_id"],
        text="<i>Selesai</i>", parse_mode="HTML")
    *_, edit = conversation(client, siti["id"])
    assert edit["event"] == "edited" and edit["message_id"] == sent["message_id"]
    assert edit["message"]["text"] == "Selesai" and "edit_date" in edit["message"]
    assert edit["message"]["entities"][0]["type"] == "italic"


def test_conversation_is_per_chat_and_the_cursor_skips_what_was_read(client):
    siti, budi = client.get("/sim/users").json["users"][:2]
    say(client, siti, "satu")
    say(client, budi, "dua")
    say(client, siti, "tiga")
    read = conversation(client, siti["id"])
    assert [e["message"]["text"] for e in read] == ["satu", "tiga"]
    assert [e["message"]["text"] for e in conversation(client, budi["id"])] == ["dua"]
    say(client, siti, "empat")
    newer = conversation(client, siti["id"], after=read[-1]["seq"])
    assert [e["message"]["text"] for e in newer] == ["empat"]


def test_conversation_long_poll_returns_as_soon_as_the_bot_writes(client, app):
    siti = first_persona(client)
    say(client, siti, "Halo")
    after = conversation(client, siti["id"])[-1]["seq"]
    threading.Timer(0.2, lambda: api(app.test_client(), "sendMessage", chat_id=siti["id"],
                                     text="Balasan")).start()
    started = time.monotonic()
    got = conversation(client, siti["id"], after=after, wait=10)
    assert [e["message"]["text"] for e in got] == ["Balasan"]
    assert time.monotonic() - started < 3


def test_conversation_long_poll_wakes_for_the_residents_own_message(client, app):
    siti = first_persona(client)
    threading.Timer(0.2, lambda: say(app.test_client(), siti, "Halo")).start()
    started = time.monotonic()
    got = conversation(client, siti["id"], wait=10)
    assert [e["sender"] for e in got] == ["resident"] and time.monotonic() - started < 3


def test_conversation_long_poll_times_out_empty(client):
    started = time.monotonic()
    assert conversation(client, FIRST_ID, wait=0.5) == []
    assert time.monotonic() - started >= 0.45


def test_a_reset_changes_the_generation_and_ends_a_waiting_poll(client, app):
    siti = first_persona(client)
    say(client, siti, "Halo")
    before = client.get(f"/sim/conversation?chat_id={siti['id']}").json
    threading.Timer(0.2, lambda: app.test_client().post("/sim/reset")).start()
    started = time.monotonic()
    after = client.get(f"/sim/conversation?chat_id={siti['id']}&after=99&wait=10").json
    assert time.monotonic() - started < 3
    assert after["generation"] != before["generation"] and after["messages"] == []
    assert conversation(client, siti["id"]) == []


def test_a_reset_between_two_polls_ends_the_next_one_at_once(client, app):
    siti = first_persona(client)
    say(client, siti, "Halo")
    known = client.get(f"/sim/conversation?chat_id={siti['id']}").json["generation"]
    app.test_client().post("/sim/reset")
    started = time.monotonic()
    after = client.get(
        f"/sim/conversation?chat_id={siti['id']}&after=99&wait=10&generation={known}").json
    assert time.monotonic() - started < 3
    assert after["generation"] != known and after["messages"] == []


def test_conversation_bad_numbers_are_400(client):
    response = client.get("/sim/conversation?chat_id=abc")
    assert response.status_code == 400 and "chat_id" in response.json["error"]


def test_conversation_over_http_with_a_webhook_on_the_other_side():
    # Given a served simulator whose webhook is a scripted receiver
    with serve(create_app(TOKEN, retry_base_delay=0.05)) as url, WebhookReceiver() as hook:
        requests.post(f"{url}/bot{TOKEN}/setWebhook", json={"url": hook.url}, timeout=5)
        siti = requests.get(f"{url}/sim/users", timeout=5).json()["users"][0]
        # When a reader waits and the resident writes
        waited = []
        reader = threading.Thread(target=lambda: waited.append(requests.get(
            f"{url}/sim/conversation", params={"chat_id": siti["id"], "wait": 10},
            timeout=15).json()["messages"]))
        reader.start()
        time.sleep(0.2)
        requests.post(f"{url}/sim/updates", json={"user": siti, "text": "Halo"}, timeout=5)
        reader.join(5)
        # Then the reader sees the message and the webhook gets it
        assert [e["message"]["text"] for e in waited[0]] == ["Halo"]
        assert hook.wait_for(1)[0]["message"]["text"] == "Halo"


# The bot's profile and callback answers


def test_bot_profile_has_name_descriptions_and_commands_for_the_chat(client):
    siti = first_persona(client)
    api(client, "setMyDescription", description="Layanan desa")
    api(client, "setMyDescription", description="Village services", language_code="en")
    api(client, "setMyShortDescription", short_description="Desa")
    api(client, "setMyCommands", commands=[{"command": "start", "description": "Menu"}])
    api(client, "setMyCommands", commands=[{"command": "biodata", "description": "Data"}],
        scope={"type": "chat", "chat_id": siti["id"]})
    profile = client.get(f"/sim/bot?chat_id={siti['id']}&language_code=id").json
    assert profile["user"]["username"] == "desa_sim_bot"
    assert profile["description"] == "Layanan desa"
    assert profile["short_description"] == "Desa"
    assert profile["commands"] == [{"command": "biodata", "description": "Data"}]
    other = client.get(f"/sim/bot?chat_id={siti['id'] + 1}&language_code=en").json
    assert other["description"] == "Village services"
    assert other["commands"] == [{"command": "start", "description": "Menu"}]


def test_commands_follow_telegrams_scope_order(client):
    api(client, "setMyCommands", commands=[{"command": "a", "description": "default"}])
    api(client, "setMyCommands", commands=[{"command": "b", "description": "private"}],
        scope={"type": "all_private_chats"})
    api(client, "setMyCommands", commands=[{"command": "c", "description": "private, id"}],
        scope={"type": "all_private_chats"}, language_code="id")
    commands = client.get("/sim/bot?chat_id=1&language_code=id").json["commands"]
    assert commands == [{"command": "c", "description": "private, id"}]
    commands = client.get("/sim/bot?chat_id=1&language_code=en").json["commands"]
    assert commands == [{"command": "b", "description": "private"}]


def test_short_description_methods_follow_the_spec(client, app):
    spec = app.extensions["telegram_sim"].spec
    assert api(client, "setMyShortDescription", short_description="Layanan desa") is True
    got = api(client, "getMyShortDescription")
    assert got == {"short_description": "Layanan desa"}
    spec.check(got, ["BotShortDescription"], strict=True)
    assert api(client, "setMyShortDescription", short_description="") is True
    assert api(client, "getMyShortDescription") == {"short_description": ""}
    too_long = client.post(f"/bot{TOKEN}/setMyShortDescription",
                           json={"short_description": "x" * 121})
    assert too_long.status_code == 400
    api(client, "setMyDescription", description="Panjang")
    spec.check(api(client, "getMyDescription"), ["BotDescription"], strict=True)


def test_callback_answer_is_waited_for_and_reported(client, app):
    siti = first_persona(client)
    say(client, siti, "Menu")
    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    api(client, "sendMessage", chat_id=siti["id"], text="Pilih", reply_markup=keyboard)
    query_id = client.post("/sim/updates", json={"user": siti, "callback_data": "ok"}).json[
        "callback_query_id"]
    assert client.get(f"/sim/callbacks/{query_id}").json == {"answered": False, "answer": None}
    threading.Timer(0.2, lambda: api(app.test_client(), "answerCallbackQuery",
                                     callback_query_id=query_id, text="Siap")).start()
    started = time.monotonic()
    answer = client.get(f"/sim/callbacks/{query_id}?wait=10").json
    assert answer == {"answered": True, "answer": {"text": "Siap"}}
    assert time.monotonic() - started < 3


def test_an_unknown_callback_query_is_404(client):
    assert client.get("/sim/callbacks/123?wait=5").status_code == 404


# The page and its files


def test_the_page_is_served_at_the_root_as_html(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    for testid in ("persona-select", "message-input", "send-button", "webhook-panel"):
        assert f'data-testid="{testid}"' in page
    assert '<script type="module" src="/sim/static/js/main.js">' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/sim/static/js/main.js", "text/javascript"),
    ("/sim/static/js/entities.js", "text/javascript"),
    ("/sim/static/style.css", "text/css"),
    ("/sim/static/favicon.svg", "image/svg+xml"),
])
def test_static_files_have_their_content_types(client, path, mimetype):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_module_the_page_imports_is_served(client):
    main = client.get("/sim/static/js/main.js").get_data(as_text=True)
    imported = [line.split('"')[1] for line in main.splitlines() if line.startswith("import")]
    assert imported
    for module in imported:
        assert client.get(f"/sim/static/js/{module.removeprefix('./')}").status_code == 200


@pytest.mark.parametrize("path", ["/sim/static/../app.py", "/sim/static/nothing.js",
                                  "/sim/static/../bot_api_spec.json", "/static/style.css"])
def test_other_paths_are_not_served(client, path):
    assert client.get(path).status_code == 404


def test_the_bot_api_is_unchanged_next_to_the_page(client):
    assert client.get(f"/bot{TOKEN}/getMe").json["result"]["username"] == "desa_sim_bot"
    assert client.get("/botWRONG/getMe").status_code == 401
