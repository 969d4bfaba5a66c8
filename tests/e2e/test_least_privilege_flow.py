"""The whole system on the deployment's broker: definitions imported, each process logged in as
its own least-privilege user, RABBITMQ_DECLARE=false (nothing declared by the services)."""

from __future__ import annotations

import re

import pytest
import requests

from libs import topology
from libs.siades.cli import create_staff
from libs.siades.db import make_engine
from libs.siades.demo import DEMO_RESIDENTS
from tests.support.deployed import import_deployment, remove_deployment
from tests.support.system import System

NIK, NO_KK, NAME = DEMO_RESIDENTS["head"]
USER = 7601
USERS = {"gateway": "gateway", "data_service": "data_service",
         "letter_service": "letter_service", "letter_watcher": "letter_service",
         "notifier": "notifier"}  # the staff console never touches the broker


@pytest.fixture
def system(broker, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    create_staff(engine, "operator", "Ani Rahmawati", "operator", "operator-pass")
    engine.dispose()
    deployed = import_deployment(broker, tmp_path / "deploy")
    # No guest URL anywhere: a process left without its own user could not log in.
    system = System("amqp://nobody:none@127.0.0.1:1/none", sqlite_url, tmp_path)
    system.process_env = {name: {"RABBITMQ_URL": deployed.url(user), "RABBITMQ_DECLARE": "false"}
                          for name, user in USERS.items()}
    system.deployed = deployed
    yield system.start()
    system.stop()
    remove_deployment(deployed)


def staff_post(console: str, session: requests.Session, page: str, action: str) -> None:
    html = session.get(console + page, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    session.post(console + action, data={"csrf_token": token}, timeout=30).raise_for_status()


def test_a_resident_registers_and_a_letter_moves_under_least_privilege(system):
    done = system.ask(USER, f"DAFTAR#{NIK}#{NO_KK}")
    assert "Pendaftaran berhasil" in done["text"] and NAME in done["text"]
    assert NAME in system.ask(USER, "Biodata")["text"]

    submitted = system.ask(USER, "SKD#Melamar pekerjaan#Persyaratan administrasi")
    number = re.search(r"nomor <b>(\d+)</b> berhasil diajukan", submitted["text"]).group(1)

    # The staff checks it; the status watcher (letter_service's user) tells the resident
    system.start_console()
    staff = requests.Session()
    login = staff.get(f"{system.console}/masuk", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    staff.post(f"{system.console}/masuk", timeout=10, data={
        "csrf_token": token, "username": "operator", "password": "operator-pass"})
    staff_post(system.console, staff, f"/permohonan/{number}", f"/permohonan/{number}/periksa")
    told = "\n".join(m.get("text", "") for m in system.messages(USER, wait=20))
    assert f"nomor <b>{number}</b>: <b>Menunggu Tandatangan</b>" in told

    # Nobody declared anything: the topology is still exactly the imported one
    deployed = system.deployed
    queues = requests.get(f"{deployed.broker.api}/queues/{deployed.vhost}",
                          auth=deployed.broker.auth, timeout=10).json()
    assert sorted(q["name"] for q in queues) == sorted(name for name, _ in topology.queues())
