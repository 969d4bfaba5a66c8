"""A real simulator on a loopback port delivering to a local webhook, and the CLI."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import TEST_TOKEN as TOKEN
from tools.telegram_sim.testing import WebhookReceiver, serve

AHLUL = {"id": 1001, "first_name": "Ahlul"}
SITI = {"id": 1002, "first_name": "Siti"}
ROOT = Path(__file__).resolve().parents[3]


def _sim_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("telegram-sim")]


@pytest.fixture
def sim_url():
    app = create_app(TOKEN, retry_base_delay=0.05, retry_max_delay=0.2)
    with serve(app) as url:
        yield url
    deadline = time.monotonic() + 2
    while _sim_threads() and time.monotonic() < deadline:
        time.sleep(0.01)  # POST threads end right after their last answer
    assert not _sim_threads(), "the simulator left threads running"


def api(sim_url, method, **params):
    return requests.post(f"{sim_url}/bot{TOKEN}/{method}", json=params, timeout=10).json()


def say(sim_url, user, text):
    answer = requests.post(f"{sim_url}/sim/updates", json={"user": user, "text": text}, timeout=5)
    return answer.json()["update_id"]


def webhook_info(sim_url):
    return requests.get(f"{sim_url}/sim/webhook", timeout=5).json()


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def texts(updates):
    return [u["message"]["text"] for u in updates]


def test_updates_are_posted_with_the_secret_header(sim_url):
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url, secret_token="rahasia-desa_1")
        update_id = say(sim_url, AHLUL, "Biodata")
        [update] = hook.wait_for(1)
        assert update["update_id"] == update_id and update["message"]["text"] == "Biodata"
        headers = hook.received[0].headers
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "rahasia-desa_1"
        assert headers["Content-Type"] == "application/json"
        wait_until(lambda: webhook_info(sim_url)["pending_update_count"] == 0)
        info = webhook_info(sim_url)
        assert (info["delivered"], info["attempts"], info["failures"]) == (1, 1, 0)
        assert "last_error_message" not in info


def test_no_secret_header_without_a_secret(sim_url):
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url)
        say(sim_url, AHLUL, "Biodata")
        hook.wait_for(1)
        assert "X-Telegram-Bot-Api-Secret-Token" not in hook.received[0].headers


def test_a_503_is_retried_with_backoff_until_it_succeeds(sim_url):
    with WebhookReceiver(statuses=[503, 503]) as hook:
        api(sim_url, "setWebhook", url=hook.url)
        say(sim_url, AHLUL, "Biodata")
        [update] = hook.wait_for(1)
        wait_until(lambda: webhook_info(sim_url)["pending_update_count"] == 0)
        times = [r.time for r in hook.received]
        assert [r.status for r in hook.received] == [503, 503, 200]
        assert times[1] - times[0] >= 0.045 and times[2] - times[1] >= 0.095  # 0.05 s, 0.1 s
        info = webhook_info(sim_url)
        wording = "Wrong response from the webhook: 503 Service Unavailable"
        assert info["last_error_message"] == wording
        assert abs(info["last_error_date"] - time.time()) < 5
        assert (info["delivered"], info["attempts"], info["failures"]) == (1, 3, 2)
        assert api(sim_url, "getWebhookInfo")["result"]["last_error_message"] == wording


def test_connection_refused_is_recorded_and_a_new_url_gets_the_update(sim_url):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    api(sim_url, "setWebhook", url=f"http://127.0.0.1:{closed_port}/hook")
    say(sim_url, AHLUL, "Biodata")
    wait_until(lambda: webhook_info(sim_url).get("last_error_message") == "Connection refused")
    assert webhook_info(sim_url)["pending_update_count"] == 1
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url)
        assert texts(hook.wait_for(1)) == ["Biodata"]
        wait_until(lambda: webhook_info(sim_url)["pending_update_count"] == 0)


def test_a_chats_order_holds_while_its_update_is_retried(sim_url):
    failures = {"left": 3}
    lock = threading.Lock()

    def respond(update):
        with lock:
            if update["message"]["text"] == "A1" and failures["left"]:
                failures["left"] -= 1
                return 503
        return 200

    with WebhookReceiver(respond=respond) as hook:
        api(sim_url, "setWebhook", url=hook.url)
        for user, text in [(AHLUL, "A1"), (AHLUL, "A2"), (SITI, "B1"), (SITI, "B2")]:
            say(sim_url, user, text)
        hook.wait_for(4)
        delivered = texts(hook.wait_for(4))
        assert delivered.index("A1") < delivered.index("A2")
        assert delivered.index("B1") < delivered.index("B2")
        assert delivered.index("B2") < delivered.index("A1")  # Siti did not wait for Ahlul
        every_try = [r.update["message"]["text"] for r in hook.received]
        assert every_try.index("A2") > max(i for i, t in enumerate(every_try) if t == "A1")
        wait_until(lambda: webhook_info(sim_url)["pending_update_count"] == 0)


def test_chats_are_delivered_concurrently_up_to_max_connections(sim_url):
    gate = threading.Event()
    in_flight, peak = [0], [0]
    lock = threading.Lock()

    def respond(update):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        gate.wait(5)
        with lock:
            in_flight[0] -= 1
        return 200

    with WebhookReceiver(respond=respond) as hook:
        api(sim_url, "setWebhook", url=hook.url, max_connections=2)
        for user_id in range(2001, 2005):
            say(sim_url, {"id": user_id, "first_name": "Warga"}, "Menu")
        wait_until(lambda: peak[0] == 2)
        time.sleep(0.1)
        assert peak[0] == 2 and webhook_info(sim_url)["pending_update_count"] == 4
        gate.set()
        assert len(hook.wait_for(4)) == 4


def test_without_webhook_updates_wait_for_get_updates(sim_url):
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url)
        api(sim_url, "deleteWebhook")
        say(sim_url, AHLUL, "Biodata")
        time.sleep(0.1)
        assert hook.received == []
        assert texts(api(sim_url, "getUpdates")["result"]) == ["Biodata"]


def test_drop_pending_updates(sim_url):
    say(sim_url, AHLUL, "lama")
    assert api(sim_url, "deleteWebhook", drop_pending_updates=True)["ok"]
    assert api(sim_url, "getUpdates")["result"] == []


def test_a_duplicate_update_is_delivered_again(sim_url):
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url)
        say(sim_url, AHLUL, "Biodata")
        [first] = hook.wait_for(1)
        requests.post(f"{sim_url}/sim/updates", json={"update": first}, timeout=5)
        assert hook.wait_for(2) == [first, first]


def test_send_document_multipart_round_trip(sim_url):
    say(sim_url, AHLUL, "Surat")
    pdf = b"%PDF-1.4 surat keterangan usaha\n" * 100
    response = requests.post(f"{sim_url}/bot{TOKEN}/sendDocument", data={
        "chat_id": "1001", "caption": "<b>Surat</b> Anda", "parse_mode": "HTML",
        "reply_markup": '{"remove_keyboard": true}',
    }, files={"document": ("SKU-001.pdf", io.BytesIO(pdf), "application/pdf")}, timeout=5)
    result = response.json()["result"]
    document = result["document"]
    assert document["file_name"] == "SKU-001.pdf" and document["file_size"] == len(pdf)
    assert document["mime_type"] == "application/pdf"
    assert result["caption"] == "Surat Anda"
    assert result["caption_entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    download = requests.get(f"{sim_url}/sim/files/{document['file_id']}", timeout=5)
    assert download.content == pdf
    assert "SKU-001.pdf" in download.headers["Content-Disposition"]
    [record] = requests.get(f"{sim_url}/sim/messages", timeout=5).json()["messages"]
    assert record["method"] == "sendDocument" and record["document"] == document
    assert record["caption"] == "<b>Surat</b> Anda"
    [call] = [c for c in requests.get(f"{sim_url}/sim/calls", timeout=5).json()["calls"]
              if c["method"] == "sendDocument"]
    assert call["params"]["document"] == {"filename": "SKU-001.pdf", "size": len(pdf)}
    again = api(sim_url, "sendDocument", chat_id=1001, document=document["file_id"])
    assert again["result"]["document"]["file_unique_id"] == document["file_unique_id"]
    unknown = api(sim_url, "sendDocument", chat_id=1001, document="no-such-file")
    assert unknown["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    missing = api(sim_url, "sendDocument", chat_id=1001)
    assert missing["description"] == "Bad Request: there is no document in the request"
    long_caption = api(sim_url, "sendDocument", chat_id=1001, document=document["file_id"],
                       caption="x" * 1025)
    assert long_caption["description"] == "Bad Request: message caption is too long"


def test_close_ends_long_polls():
    app = create_app(TOKEN)
    answers = []
    with serve(app) as url:
        polls = [
            threading.Thread(target=lambda: answers.append(api(url, "getUpdates", timeout=30))),
            threading.Thread(target=lambda: answers.append(requests.get(
                f"{url}/sim/messages?wait=30", timeout=10).json())),
        ]
        for poll in polls:
            poll.start()
        time.sleep(0.2)
        started = time.monotonic()
        app.extensions["telegram_sim"].close()
        for poll in polls:
            poll.join(5)
        assert time.monotonic() - started < 2
    assert sorted(answers, key=str) == [{"messages": []}, {"ok": True, "result": []}]


def test_cli_serves_and_stops_on_sigterm():
    env = {**os.environ, "SIM_BOT_TOKEN": "42:CLI"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.telegram_sim", "--port", "0"], cwd=ROOT, env=env,
        stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        port = re.search(r"http://127\.0\.0\.1:(\d+)", line).group(1)
        me = requests.get(f"http://127.0.0.1:{port}/bot42:CLI/getMe", timeout=5).json()
        assert me["result"]["username"] == "desa_sim_bot"
        log_line = process.stderr.readline()
        assert "getMe" in log_line and "42:CLI" not in log_line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_odd_raw_updates_are_delivered_as_given(sim_url):
    odd = [{"update_id": 1, "message": "not an object"}, {"poll": {"id": "1"}}]
    with WebhookReceiver() as hook:
        api(sim_url, "setWebhook", url=hook.url)
        for update in odd:
            requests.post(f"{sim_url}/sim/updates", json={"update": update}, timeout=5)
        assert sorted(hook.wait_for(2), key=str) == sorted(odd, key=str)
