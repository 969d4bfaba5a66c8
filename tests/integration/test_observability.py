"""Metrics, health and logs of the whole system, every component a real process: a resident
registers and requests a letter, staff move it on; then every service's /metrics shows it,
every /healthz says 200, and one update's correlation id is in the JSON log lines of the
gateway, the worker and the notifier (and the watcher's own id in the watcher's and the
notifier's), with no token and no NIK anywhere."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from libs.siades.bot_models import LetterStatusSeen
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letters import LetterRequest
from libs.vocabulary.states import RequestState
from services.letter_service.watcher import correlation_id as watcher_correlation
from tests.support.rabbit import free_port
from tests.support.system import SECRET, TOKEN, System

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "siades-dashboard.json"
NIK, NO_KK, _ = DEMO_RESIDENTS["head"]
USER = 7301
WITH_PORT = ("data_service", "letter_service", "letter_watcher", "notifier")


@pytest.fixture
def system(amqp_url, sqlite_url, tmp_path):
    system = System(amqp_url, sqlite_url, tmp_path)
    system.env["LOG_FORMAT"] = "json"
    system.ports = {name: free_port() for name in WITH_PORT}
    for name, port in system.ports.items():
        system.process_env[name] = {"METRICS_PORT": str(port)}
    system.start()
    system.start_console()
    yield system
    system.stop()


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a /metrics page, by name and labels."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def sample(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.3)


def json_lines(path: Path) -> list[dict]:
    """Every line of a service's log, each of which must be one JSON object."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def correlated(records: list[dict], correlation: str) -> list[str]:
    return [r["message"] for r in records if r.get("correlation_id") == correlation]


def multiproc_dir(pid: int) -> Path:
    """The PROMETHEUS_MULTIPROC_DIR a process was (re)started with."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    [value] = [v for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return Path(value.split(b"=", 1)[1].decode())


def endpoints(system: System) -> dict[str, str]:
    urls = {name: f"http://127.0.0.1:{port}" for name, port in system.ports.items()}
    return {"gateway": system.gateway, "console": system.console, **urls}


def test_metrics_health_and_one_correlation_id_through_every_service(system, sqlite_url):
    # Given a resident who registers and files a letter request
    system.messages(USER)
    registration = system.send(USER, f"DAFTAR#{NIK}#{NO_KK}")
    assert "berhasil" in system.messages(USER, wait=15)[0]["text"]
    filed = system.ask(USER, "SKD#Melamar pekerjaan#Persyaratan administrasi")["text"]
    number = int(re.search(r"nomor <b>(\d+)</b>", filed).group(1))
    # and an operator who checks it (the watcher tells the resident)
    factory = make_session_factory(make_engine(sqlite_url))

    def watcher_saw_it() -> bool:
        with factory() as session:
            return session.get(LetterStatusSeen, number) is not None

    eventually(watcher_saw_it)
    with factory.begin() as session:
        session.execute(update(LetterRequest).where(LetterRequest.id == number)
                        .values(status=RequestState.AWAITING_SIGNATURE))
    assert "Menunggu Tandatangan" in system.messages(USER, wait=15)[0]["text"]
    # and a body that is no update
    refused = requests.post(f"{system.gateway}/telegram/webhook", data=b"{",
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=10)
    assert refused.status_code == 400

    urls = endpoints(system)
    # Then each service's /metrics shows what it did
    gateway = scrape(f"{urls['gateway']}/metrics")
    assert sample(gateway, "siades_gateway_updates_total", kind="message",
                  outcome="published") >= 2
    assert sample(gateway, "siades_gateway_refused_total", reason="not_json") == 1
    assert sample(gateway, "siades_gateway_publish_seconds_count") >= 2
    data = scrape(f"{urls['data_service']}/metrics")
    assert sample(data, "siades_commands_total", queue="data_service.commands",
                  action="data.register", outcome="ok") == 1
    letters = scrape(f"{urls['letter_service']}/metrics")
    assert sample(letters, "siades_commands_total", queue="letter_service.commands",
                  action="letter.request", outcome="ok") == 1

    def notifier_counted() -> bool:
        samples = scrape(f"{urls['notifier']}/metrics")
        return (sample(samples, "siades_telegram_calls_total", method="sendMessage",
                       status="200") >= 3
                and sample(samples, "siades_notifier_deliveries_total", outcome="sent") >= 3)

    eventually(notifier_counted)
    watcher = scrape(f"{urls['letter_watcher']}/metrics")
    assert sample(watcher, "siades_letter_requests", state="awaiting_signature") == 1
    assert sample(watcher, "siades_watcher_changes_total") == 1
    # and every service is healthy
    for name, url in urls.items():
        answer = requests.get(f"{url}/healthz", timeout=20)
        assert answer.status_code == 200, (name, answer.text)

    # and the registration's correlation id runs through the gateway, the worker, the notifier
    logs = {name: json_lines(system.log_dir / f"{name}.log")
            for name in ("gateway", "data_service", "letter_watcher", "notifier")}
    update_id = f"tg-{registration}"
    assert any("-> data.register" in m for m in correlated(logs["gateway"], update_id))
    assert any("handled" in m for m in correlated(logs["data_service"], update_id))
    assert any(f"{update_id}:0 sent" in m for m in correlated(logs["notifier"], update_id))
    # the watcher's message has its own id: the request and its new state
    letter_id = watcher_correlation(number, RequestState.AWAITING_SIGNATURE)
    assert correlated(logs["letter_watcher"], letter_id)
    assert any("sent" in m for m in correlated(logs["notifier"], letter_id))
    assert {r["service"] for r in logs["gateway"]} == {"gateway"}
    assert any(r["logger"].startswith("gunicorn") for r in logs["gateway"])
    # and the gunicorn workers' shared metrics directory, made by the gateway, goes with it
    shared = multiproc_dir(system.processes["gateway"].pid)
    assert shared.is_dir() and list(shared.glob("*.db"))
    assert system.stop_process("gateway") == 0
    assert not shared.exists()
    # and no log holds the bot token or a NIK
    for path in system.log_dir.glob("*.log"):
        text = path.read_text()
        assert TOKEN not in text and NIK not in text and NO_KK not in text, path.name


def test_every_metric_on_the_dashboard_is_served(system):
    # Given the dashboard's queries
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    wanted = {name for expr in exprs for name in re.findall(r"\bsiades_[a-z0-9_]+", expr)}
    assert len(wanted) >= 14
    # When every service has done something
    system.ask(USER, "/start")
    # Then each name is a series one of the running services serves
    served: set[str] = set()
    for url in endpoints(system).values():
        served |= {name for name, _ in scrape(f"{url}/metrics")}
    assert sorted(wanted - served) == []
