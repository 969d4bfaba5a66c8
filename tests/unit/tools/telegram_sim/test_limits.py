"""Telegram's flood limits in the simulator: token buckets per bot and chat, 429 beyond them."""

from __future__ import annotations

import time

import pytest

from tools.telegram_sim.__main__ import parse_args
from tools.telegram_sim.app import create_app
from tools.telegram_sim.limits import Limits
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN

GROUP = {"id": -1001, "type": "group", "title": "RT 03"}


def start(client, *user_ids):
    for user_id in user_ids:
        client.post("/sim/updates", json={"user": {"id": user_id, "first_name": "W"},
                                          "text": "hi"})


def send(client, chat_id, text="x"):
    return client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": text})


def statuses(client, chat_id, count):
    return [send(client, chat_id).status_code for _ in range(count)]


def test_a_private_chat_takes_a_burst_of_three_then_429_with_retry_after(clocked):
    start(clocked, 1001)
    assert statuses(clocked, 1001, 3) == [200, 200, 200]
    refused = send(clocked, 1001)
    assert refused.status_code == 429
    assert refused.json == {"ok": False, "error_code": 429,
                            "description": "Too Many Requests: retry after 1",
                            "parameters": {"retry_after": 1}}


def test_the_bucket_refills_at_its_rate(clocked, clock):
    start(clocked, 1001)
    statuses(clocked, 1001, 3)
    clock.advance(0.5)
    assert send(clocked, 1001).status_code == 429
    clock.advance(0.5)
    assert statuses(clocked, 1001, 2) == [200, 429]
    clock.advance(10)  # refills to the burst, no further
    assert statuses(clocked, 1001, 4) == [200, 200, 200, 429]


def test_retry_after_is_when_the_call_would_be_allowed_rounded_up(clocked, clock):
    start(clocked, 1001)
    clocked.post("/sim/limits", json={"private_per_second": 0.25, "private_burst": 1})
    assert send(clocked, 1001).status_code == 200
    assert send(clocked, 1001).json["parameters"] == {"retry_after": 4}
    clock.advance(2.5)
    assert send(clocked, 1001).json["parameters"] == {"retry_after": 2}
    clock.advance(1.4)
    assert send(clocked, 1001).json["parameters"] == {"retry_after": 1}  # never 0
    clock.advance(0.1)
    assert send(clocked, 1001).status_code == 200


def test_a_429_takes_nothing_from_the_bucket(clocked, clock):
    start(clocked, 1001)
    statuses(clocked, 1001, 3)
    assert statuses(clocked, 1001, 5) == [429] * 5
    clock.advance(1)
    assert send(clocked, 1001).status_code == 200


def test_chats_have_buckets_of_their_own(clocked):
    start(clocked, 1001, 1002)
    assert statuses(clocked, 1001, 4) == [200, 200, 200, 429]
    assert statuses(clocked, 1002, 3) == [200, 200, 200]


def test_a_group_takes_twenty_a_minute(clocked, clock):
    clocked.application.extensions["telegram_sim"].store.start_chat(
        {"id": 1001, "is_bot": False, "first_name": "W"}, GROUP)
    assert statuses(clocked, -1001, 20) == [200] * 20
    refused = send(clocked, -1001)
    assert refused.json["parameters"] == {"retry_after": 3}  # a token every 3 s
    clock.advance(3)
    assert statuses(clocked, -1001, 2) == [200, 429]


def test_the_whole_bot_takes_thirty_a_second(clocked, clock):
    users = range(2001, 2012)
    start(clocked, *users)
    codes = [send(clocked, user).status_code for _ in range(3) for user in users]
    assert codes.count(200) == 30 and codes[30:] == [429, 429, 429]
    report = clocked.get("/sim/limits").json
    assert [e["limit"] for e in report["recent_limited"]] == ["bot", "bot", "bot"]
    clock.advance(0.1)  # three bot tokens back; chats 2009-2011 still have one each
    assert [send(clocked, user).status_code for user in (2009, 2010, 2011, 2001)] == [
        200, 200, 200, 429]


def test_only_sends_count(clocked):
    start(clocked, 1001)
    sent = [send(clocked, 1001).json["result"]["message_id"] for _ in range(3)]
    for number in range(5):
        edited = clocked.post(f"/bot{TOKEN}/editMessageText", json={
            "chat_id": 1001, "message_id": sent[0], "text": f"edit {number}"})
        assert edited.status_code == 200
        assert clocked.get(f"/bot{TOKEN}/getMe").status_code == 200
    document = clocked.post(f"/bot{TOKEN}/sendDocument", json={
        "chat_id": 1001, "document": "https://desa.id/surat.pdf"})
    assert document.status_code == 429  # sendDocument is a send too


def test_a_send_that_fails_takes_nothing(clocked):
    start(clocked, 1001)
    for _ in range(5):
        assert send(clocked, 1001, "a" * 4097).status_code == 400
        assert send(clocked, 999, "to nobody").status_code == 400
    assert statuses(clocked, 1001, 4) == [200, 200, 200, 429]


def test_limits_off_let_everything_through():
    app = create_app(TOKEN, limits=Limits(enabled=False))
    client = app.test_client()
    try:
        start(client, 1001)
        assert statuses(client, 1001, 40) == [200] * 40
        report = client.get("/sim/limits").json
        assert report["accepted"] == 40 and report["limited"] == 0
    finally:
        app.extensions["telegram_sim"].close()


def test_get_limits_shows_settings_counters_and_the_latest_429s(clocked):
    start(clocked, 1001)
    before = time.time()
    statuses(clocked, 1001, 5)
    report = clocked.get("/sim/limits").json
    assert report["settings"] == {
        "enabled": True, "bot_per_second": 30.0, "bot_burst": 30, "private_per_second": 1.0,
        "private_burst": 3, "group_per_minute": 20.0, "group_burst": 20}
    assert (report["accepted"], report["limited"]) == (3, 2)
    last = report["recent_limited"][-1]
    assert last["chat_id"] == 1001 and last["method"] == "sendMessage"
    assert last["limit"] == "private" and last["retry_after"] == 1
    assert before <= last["time"] <= time.time()


def test_post_limits_changes_some_settings_and_refills_the_buckets(clocked):
    start(clocked, 1001)
    statuses(clocked, 1001, 4)
    changed = clocked.post("/sim/limits", json={"private_burst": 5})
    assert changed.status_code == 200
    assert changed.json["settings"]["private_burst"] == 5
    assert changed.json["settings"]["private_per_second"] == 1.0
    assert statuses(clocked, 1001, 6) == [200] * 5 + [429]
    clocked.post("/sim/limits", json={"enabled": False})
    assert statuses(clocked, 1001, 3) == [200] * 3
    assert clocked.get("/sim/limits").json["accepted"] == 11


@pytest.mark.parametrize("body", [
    {"private_brust": 5}, {"private_burst": 0}, {"private_burst": 2.5},
    {"bot_per_second": -1}, {"enabled": "yes"}, {"group_per_minute": "20"}, [1],
])
def test_post_limits_refuses_what_is_no_setting(clocked, body):
    answer = clocked.post("/sim/limits", json=body)
    assert answer.status_code == 400 and answer.json["error"]
    assert clocked.get("/sim/limits").json["settings"]["private_burst"] == 3


def test_reset_refills_and_zeroes_but_keeps_the_settings(clocked):
    start(clocked, 1001)
    clocked.post("/sim/limits", json={"private_burst": 2})
    statuses(clocked, 1001, 3)
    clocked.post("/sim/reset")
    report = clocked.get("/sim/limits").json
    assert (report["accepted"], report["limited"], report["recent_limited"]) == (0, 0, [])
    assert report["settings"]["private_burst"] == 2
    start(clocked, 1001)
    assert statuses(clocked, 1001, 3) == [200, 200, 429]


def test_calls_carry_their_arrival_time_and_chat_id(clocked):
    start(clocked, 1001)
    before = time.time()
    statuses(clocked, 1001, 4)
    clocked.get(f"/bot{TOKEN}/getMe")
    after = time.time()
    calls = clocked.get("/sim/calls").json["calls"]
    assert [(c["method"], c.get("chat_id"), c["status"]) for c in calls] == [
        ("sendMessage", 1001, 200)] * 3 + [("sendMessage", 1001, 429), ("getMe", None, 200)]
    times = [c["time"] for c in calls]
    assert before <= times[0] and times == sorted(times) and times[-1] <= after
    assert calls[3]["description"] == "Too Many Requests: retry after 1"


def test_a_form_chat_id_is_a_number_in_the_call_log(client):
    start(client, 1001)
    client.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": "1001", "text": "x"})
    assert client.get("/sim/calls").json["calls"][-1]["chat_id"] == 1001


def test_the_command_line_sets_the_limits():
    assert parse_args([]).limits == Limits()
    assert parse_args(["--no-limits"]).limits.enabled is False
    limits = parse_args(["--private-per-second", "0.5", "--private-burst", "1",
                         "--bot-per-second", "10", "--group-per-minute", "6"]).limits
    assert (limits.private_per_second, limits.private_burst) == (0.5, 1)
    assert (limits.bot_per_second, limits.group_per_minute) == (10.0, 6.0)
    with pytest.raises(SystemExit):
        parse_args(["--private-burst", "0"])
