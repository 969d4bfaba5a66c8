"""Injected faults that last a while: error windows, nginx's 5xx pages, timeouts, blocked chats."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN
from tools.telegram_sim.testing import serve

BAD_GATEWAY = {"error_code": 502, "description": "Bad Gateway"}
BLOCKED = "Forbidden: bot was blocked by the user"


def start(client, *user_ids):
    for user_id in user_ids:
        client.post("/sim/updates", json={"user": {"id": user_id, "first_name": "W"},
                                          "text": "hi"})


def send(client, chat_id=1001, text="x"):
    return client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": text})


def sent(client):
    return client.get("/sim/messages").json["messages"]


def test_a_fault_window_fails_every_matching_call_until_it_ends(clocked, clock):
    start(clocked, 1001)
    added = clocked.post("/sim/faults", json={**BAD_GATEWAY, "seconds": 0.5,
                                              "method": "sendMessage"})
    assert added.json["fault"]["seconds_left"] == 0.5
    for _ in range(5):
        assert send(clocked).status_code == 502
    assert clocked.get(f"/bot{TOKEN}/getMe").status_code == 200  # another method
    clock.advance(0.49)
    assert send(clocked).status_code == 502
    clock.advance(0.01)
    assert send(clocked).status_code == 200
    assert clocked.get("/sim/faults").json == {"faults": []}
    assert len(sent(clocked)) == 1


def test_a_5xx_is_nginx_html_page(clocked):
    start(clocked, 1001)
    clocked.post("/sim/faults", json={**BAD_GATEWAY, "seconds": 30})
    answer = send(clocked)
    assert answer.status_code == 502
    assert answer.content_type == "text/html"
    assert answer.text.startswith("<html>\r\n<head><title>502 Bad Gateway</title></head>")
    assert "<center>nginx</center>" in answer.text
    call = clocked.get("/sim/calls").json["calls"][-1]
    assert (call["status"], call["description"]) == (502, "Bad Gateway")
    assert sent(clocked) == []


def test_a_5xx_takes_nginx_wording_unless_told_and_json_on_request(clocked):
    start(clocked, 1001)
    clocked.post("/sim/faults", json={"error_code": 503})
    assert "<title>503 Service Temporarily Unavailable</title>" in send(clocked).text
    clocked.post("/sim/faults", json={"error_code": 500, "description": "Internal Server Error",
                                      "html": False})
    assert send(clocked).json == {"ok": False, "error_code": 500,
                                  "description": "Internal Server Error"}
    assert send(clocked).status_code == 200


def test_a_timeout_hangs_then_answers_504_without_sending(clocked):
    start(clocked, 1001)
    clocked.post("/sim/faults", json={"kind": "timeout", "seconds": 30, "delay": 0.2})
    began = time.monotonic()
    answer = send(clocked)
    assert time.monotonic() - began >= 0.2
    assert answer.status_code == 504 and answer.content_type == "text/html"
    assert "<title>504 Gateway Time-out</title>" in answer.text
    assert sent(clocked) == []
    assert clocked.get("/sim/limits").json["accepted"] == 0


def test_a_timeout_by_default_outlasts_a_client_and_ends_when_the_simulator_closes():
    app = create_app(TOKEN)
    client = app.test_client()
    start(client, 1001)
    view = client.post("/sim/faults", json={"kind": "timeout", "seconds": 30}).json["fault"]
    assert view["delay"] == 60.0 and view["error_code"] == 504
    with serve(app) as url:
        with pytest.raises(requests.Timeout):
            requests.post(f"{url}/bot{TOKEN}/sendMessage", json={"chat_id": 1001, "text": "x"},
                          timeout=0.3)
        answers = []
        hung = threading.Thread(target=lambda: answers.append(requests.post(
            f"{url}/bot{TOKEN}/sendMessage", json={"chat_id": 1001, "text": "x"}, timeout=10)))
        hung.start()
        time.sleep(0.2)
        app.extensions["telegram_sim"].close()
        hung.join(5)
        assert [a.status_code for a in answers] == [504]


def test_blocked_chats_answer_403(clocked, clock):
    start(clocked, 1001, 1002, 1003)
    clocked.post("/sim/faults", json={"error_code": 403, "description": BLOCKED,
                                      "chat_ids": [1001, 1002], "seconds": 60})
    clocked.post("/sim/faults", json={"error_code": 403, "description": BLOCKED,
                                      "chat_id": 1003, "times": None})
    for chat_id in (1001, 1002, 1003, 1001):
        answer = send(clocked, chat_id)
        assert answer.status_code == 403
        assert answer.json == {"ok": False, "error_code": 403, "description": BLOCKED}
    clock.advance(60)
    assert [send(clocked, c).status_code for c in (1001, 1002, 1003)] == [200, 200, 403]


def test_without_seconds_or_times_a_fault_fails_one_call(clocked):
    start(clocked, 1001)
    clocked.post("/sim/faults", json={"error_code": 403, "description": BLOCKED,
                                      "chat_id": 1001})
    assert [send(clocked).status_code for _ in range(2)] == [403, 200]


def test_times_and_seconds_together_end_at_the_first(clocked, clock):
    start(clocked, 1001)
    clocked.post("/sim/faults", json={**BAD_GATEWAY, "seconds": 10, "times": 2})
    assert [send(clocked).status_code for _ in range(3)] == [502, 502, 200]
    clocked.post("/sim/faults", json={**BAD_GATEWAY, "seconds": 10, "times": 5})
    clock.advance(10)
    assert send(clocked).status_code == 200


def test_get_lists_and_delete_clears_the_faults(clocked, clock):
    clocked.post("/sim/faults", json={**BAD_GATEWAY, "seconds": 30, "method": "sendMessage"})
    clocked.post("/sim/faults", json={"error_code": 429, "description": "Too Many Requests: "
                                      "retry after 3", "retry_after": 3, "times": 2})
    clock.advance(10)
    faults = clocked.get("/sim/faults").json["faults"]
    assert faults == [
        {"kind": "error", "error_code": 502, "description": "Bad Gateway", "html": True,
         "method": "sendmessage", "chat_ids": None, "retry_after": None, "times_left": None,
         "seconds_left": 20.0},
        {"kind": "error", "error_code": 429, "description": "Too Many Requests: retry after 3",
         "html": False, "method": None, "chat_ids": None, "retry_after": 3, "times_left": 2,
         "seconds_left": None}]
    assert clocked.delete("/sim/faults").json == {"ok": True}
    assert clocked.get("/sim/faults").json == {"faults": []}


def test_reset_clears_the_faults(clocked):
    clocked.post("/sim/faults", json={**BAD_GATEWAY, "times": None})
    clocked.post("/sim/reset")
    assert clocked.get("/sim/faults").json == {"faults": []}
    assert clocked.get(f"/bot{TOKEN}/getMe").status_code == 200


@pytest.mark.parametrize("body", [
    {"description": "no code"}, {"error_code": 200, "description": "OK"},
    {"error_code": 403}, {"error_code": 502, "seconds": -1}, {"error_code": 502, "times": 0},
    {"kind": "slow", "seconds": 1}, {"kind": "timeout", "delay": "long"},
    {"error_code": 403, "description": BLOCKED, "chat_ids": 1001},
    {"error_code": 502, "html": "yes"}, "502",
])
def test_a_fault_that_makes_no_sense_is_refused(clocked, body):
    answer = clocked.post("/sim/faults", json=body)
    assert answer.status_code == 400 and answer.json["error"]
    assert clocked.get("/sim/faults").json == {"faults": []}
