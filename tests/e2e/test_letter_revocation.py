"""A letter withdrawn after it was issued says DICABUT on the verify page, end to end.

The letter is issued at the office (in this process, as the console does), then cancelled in
OpenSID's admin (a plain UPDATE to 5); the status watcher, a real process, withdraws it and
publishes the revocation through a real RabbitMQ (the test's own node, so that it can be
restarted); the gateway under gunicorn, two workers, follows the revocations stream. DICABUT
holds across a gateway restart and a broker restart; a letter not withdrawn never reads ASLI
while the gateway cannot read the list.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
import requests
from sqlalchemy import text

from libs.config import Settings
from libs.siades.bot_models import STAFF_HEAD, Staff
from libs.siades.db import make_engine, make_session_factory
from libs.siades.letter_forms import format_ids
from libs.siades.letters import LetterRequest
from services.letter_service.issuing import issue
from tests.support.rabbit import own_node
from tests.support.system import System

pytestmark = pytest.mark.broker  # a node of its own (own_node), not the `broker` fixture

REASON = "Nama usaha pada surat keliru"
NOW = datetime(2026, 12, 3, 3, 0)


@pytest.fixture
def node(tmp_path_factory):
    yield from own_node(tmp_path_factory.mktemp("rabbitmq-revocations"), "revocations")


@pytest.fixture
def system(node, sqlite_url, tmp_path):
    system = System(node.url, sqlite_url, tmp_path)
    system.env["GATEWAY_WORKERS"] = "2"
    yield system
    system.stop()


def issue_letters(system: System, database_url: str, count: int) -> list[tuple[int, str]]:
    """(request id, token) of `count` SKU letters issued by the Kepala Desa."""
    settings = Settings(letter_signing_key_file=system.env["LETTER_SIGNING_KEY_FILE"],
                        verify_base_url=system.gateway)
    engine = make_engine(database_url)
    issued = []
    with make_session_factory(engine).begin() as session:
        head = Staff(username="kades", full_name="H. Moch. Sholeh", role=STAFF_HEAD,
                     password_hash="-", active=True)
        session.add(head)
        for resident_id in range(1, count + 1):
            request = LetterRequest(
                resident_id=resident_id, format_id=format_ids(session)["SKU"], status=2,
                form=json.dumps({"usaha": "Toko", "tujuan": "Bank", "kegunaan": "Modal"}),
                phone="-", requirements="[]")
            session.add(request)
            session.flush()
            issued.append((request.id, issue(session, request, head, settings, NOW).token))
    engine.dispose()
    return issued


def cancel_in_opensid(database_url: str, request_id: int) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE permohonan_surat SET status = 5, keterangan = :n "
                                "WHERE id = :id"), {"n": REASON, "id": request_id})
    engine.dispose()


def start_gateway(system: System) -> None:
    system.start_process("gateway")
    system._wait_for(f"{system.gateway}/healthz")


def pages(system: System, token: str, count: int = 8) -> list[tuple[int, str]]:
    """`count` looks at the page (spread over both workers), as (status, first heading)."""
    found = []
    for _ in range(count):
        response = requests.get(f"{system.gateway}/verify/{token}", timeout=10)
        heading = response.text.split("<h1>", 1)[-1].split("</h1>", 1)[0]
        found.append((response.status_code, heading))
    return found


def until_all(system: System, token: str, status: int, timeout: float = 30) -> list:
    """Look until every page of a round answers `status`; every look on the way is returned."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        round_ = pages(system, token)
        seen += round_
        if {s for s, _ in round_} == {status}:
            return seen
        time.sleep(0.3)
    raise AssertionError(f"not all {status} within {timeout}s: {seen[-8:]}")


def test_a_withdrawn_letter_is_dicabut_across_restarts(system, node, sqlite_url):
    (withdrawn, token), (_, kept) = issue_letters(system, sqlite_url, 2)
    start_gateway(system)
    until_all(system, token, 200)  # issued: ASLI, the list (empty) read
    assert "Surat ini ASLI" in pages(system, token, 1)[0][1]

    # OpenSID's admin cancels the issued letter; the watcher withdraws and publishes it
    system.start_process("letter_watcher")
    cancel_in_opensid(sqlite_url, withdrawn)
    started = time.monotonic()
    until_all(system, token, 410)
    print(f"\nDICABUT on every worker {time.monotonic() - started:.1f} s after the cancel")
    page = requests.get(f"{system.gateway}/verify/{token}", timeout=10).text
    assert "Surat ini DICABUT" in page and f"Alasan pencabutan: {REASON}" in page
    assert pages(system, kept) == [(200, "&#10004; Surat ini ASLI")] * 8  # the other holds

    # The gateway restarted: it reads the stream from the start again, never ASLI meanwhile
    assert system.stop_process("gateway") == 0
    start_gateway(system)
    seen = until_all(system, token, 410)
    assert {s for s, _ in seen} <= {410, 503}, seen

    # The broker restarted (crash and start): the stream is on its disk
    node.kill()
    (node.base / "rabbitmq.pid").unlink(missing_ok=True)
    time.sleep(1)  # the followers notice the connection gone
    while_away = pages(system, token, 4) + pages(system, kept, 4)
    # The known revocation is still said; of the other letter the page cannot be sure
    assert [s for s, _ in while_away] == [410] * 4 + [503] * 4, while_away
    node.start()
    until_all(system, token, 410)
    until_all(system, kept, 200, timeout=60)  # the followers reconnected

    # And a gateway started after the broker's restart learns it from the broker alone
    system.stop_process("gateway")
    system.stop_process("letter_watcher")
    start_gateway(system)
    seen = until_all(system, token, 410)
    assert {s for s, _ in seen} <= {410, 503}, seen
