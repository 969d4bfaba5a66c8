"""A consumer killed mid-message leaves no duplicate registration and no lost reply."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import func, select

from libs import topology
from libs.config import Settings
from libs.contracts import Command, decode_outgoing, encode
from libs.publishing import Publisher
from libs.siades.bot_models import OutboxEntry, RegistrationAttempt
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.models import Resident
from tests.integration.test_messaging import get_all
from tests.support.system import ROOT


def run_worker(module: str, amqp_url: str, db_url: str) -> subprocess.Popen:
    env = dict(os.environ, RABBITMQ_URL=amqp_url, DATABASE_URL=db_url)
    return subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_after_commit_then_redelivered(amqp_url, sqlite_url, session_factory):
    nik, no_kk, _ = DEMO_RESIDENTS["head"]
    command = Command(message_id="tg-4242", update_id=4242, service="data", action="register",
                      chat_id=8080, user_id=8080, args=(nik, no_kk))
    Publisher(Settings(rabbitmq_url=amqp_url)).publish(
        topology.COMMANDS_EXCHANGE, command.routing_key, encode(command), command.message_id)

    # When the worker dies after committing the registration but before publishing and acking
    crashing = run_worker("tests.support.crashing_worker", amqp_url, sqlite_url)
    assert crashing.wait(30) == 9
    with session_factory() as session:
        assert session.scalar(select(Resident.telegram).where(Resident.nik == nik)) == "8080"
        assert session.scalar(select(func.count()).select_from(OutboxEntry)
                              .where(OutboxEntry.published_at.is_(None))) == 1

    # Then a healthy worker gets the redelivery, redoes nothing and sends the stored reply
    worker = run_worker("services.data_service", amqp_url, sqlite_url)
    try:
        [(properties, body)] = get_all(amqp_url, topology.NOTIFIER_QUEUE, wait=20)
        time.sleep(1)
        assert get_all(amqp_url, topology.NOTIFIER_QUEUE, wait=0.5) == []
    finally:
        worker.terminate()
        assert worker.wait(20) == 0  # a clean stop on SIGTERM
    reply = decode_outgoing(body)
    assert reply.chat_id == 8080 and "Pendaftaran berhasil" in reply.text
    with session_factory() as session:
        attempts = session.scalars(select(RegistrationAttempt)).all()
        assert [(a.chat_id, a.success) for a in attempts] == [(8080, True)]
        assert session.scalar(select(func.count()).select_from(OutboxEntry)
                              .where(OutboxEntry.published_at.is_(None))) == 0
