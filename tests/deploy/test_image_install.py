"""The Dockerfile's build replayed without Docker: its build stage's COPY lines copy the
.dockerignore'd context into a temporary /src, its `pip install --no-cache-dir .` runs into a
fresh virtualenv, and then, from outside the repository as in the image, every container's
command is imported from that install, the package data is found, `init-db` runs and the
health probe answers. This is what proves the image's package is complete.

It needs the package index (pyproject.toml's pinned dependencies, no pip cache) and takes
about a minute; it runs in CI like every other test."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import venv
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.compose_model import ROOT, DockerIgnore, dockerfile
from tools.supervisor import SERVICES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ENTRY_MODULES = sorted({service.argv[1] for service in SERVICES.values()} | {
    "libs.siades", "tools.healthcheck"})


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtualenv holding the project as the Dockerfile's build stage installs it."""
    work = tmp_path_factory.mktemp("image")
    instructions = dockerfile()
    (install,) = [i for i in instructions if i.keyword == "RUN" and "pip install" in i.text]
    stage = [i for i in instructions if i.stage == install.stage]
    workdir = next(i.text for i in stage if i.keyword == "WORKDIR")
    src = work / workdir.lstrip("/")
    context = DockerIgnore().context()
    for copy in (i for i in stage if i.keyword == "COPY"):
        source, target = copy.words()
        for path in context:
            if path == source or path.startswith(source + "/"):
                destination = src / target / Path(path).relative_to(source) if (
                    path != source) else src / target / Path(path).name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / path, destination)
    environment = work / "venv"
    venv.create(environment, with_pip=True)
    argv = install.words()
    assert argv[0] == "/opt/venv/bin/pip"
    result = subprocess.run([str(environment / "bin" / "pip"), *argv[1:]], cwd=src,
                            env=clean_env(), capture_output=True, text=True, timeout=800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return environment


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python back at the repository."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def run(installed: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python <args>` of the install, in an empty directory (the image's WORKDIR)."""
    return subprocess.run([str(installed / "bin" / "python"), *args], cwd=tmp_path,
                          env=clean_env(**env), capture_output=True, text=True, timeout=120)


def test_the_containers_commands_import_from_the_installed_package(installed, tmp_path):
    code = (
        "import importlib, importlib.util, sys\n"
        f"for name in {ENTRY_MODULES!r}:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    if spec.submodule_search_locations:  # a package: `python -m` runs its __main__\n"
        "        spec = importlib.util.find_spec(name + '.__main__')\n"
        "    assert spec and 'site-packages' in spec.origin, (name, spec)\n"
        # libs.siades.__main__ runs its CLI on import; the rest only define main()
        "    if name != 'libs.siades':\n"
        "        importlib.import_module(spec.name)\n"
        "from services.letter_service import watcher\n"
        "from services.letter_service.console import server\n"
        "print('ok')\n")
    result = run(installed, tmp_path, "-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    result = run(installed, tmp_path, "-m", "services.gateway", "--help")
    assert result.returncode == 0 and "webhook" in result.stdout


def test_dev_tools_are_not_installed(installed, tmp_path):
    result = run(installed, tmp_path, "-m", "pip", "list", "--format=freeze")
    names = {line.split("==")[0].lower() for line in result.stdout.split()}
    assert "layanan-desa" in names and "gunicorn" in names
    assert not names & {"pytest", "ruff", "hypothesis", "playwright", "check-jsonschema"}


def test_the_package_data_is_installed(installed, tmp_path):
    # The console's templates and CSS render from the install; the simulator's files exist.
    code = (
        "from importlib.resources import files\n"
        "from libs.config import Settings\n"
        "from services.letter_service.console.app import create_console\n"
        "app = create_console(Settings(database_url='sqlite:///console.db',"
        " console_secret_key='k'))\n"
        "client = app.test_client()\n"
        "page = client.get('/masuk')\n"
        "assert page.status_code == 200 and b'<form' in page.data, page.status_code\n"
        "assert client.get('/static/console.css').status_code == 200\n"
        "sim = files('tools.telegram_sim')\n"
        "for name in ('bot_api_spec.json', 'static/index.html', 'static/js/main.js'):\n"
        "    assert sim.joinpath(name).is_file(), name\n"
        "print('ok')\n")
    result = run(installed, tmp_path, "-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_init_job_creates_the_tables(installed, tmp_path):
    database = f"sqlite:///{tmp_path / 'siades.db'}"
    result = run(installed, tmp_path, "-m", "libs.siades", "init-db", DATABASE_URL=database)
    assert result.returncode == 0, result.stdout + result.stderr
    again = run(installed, tmp_path, "-m", "libs.siades", "init-db", DATABASE_URL=database)
    assert again.returncode == 0, again.stdout + again.stderr  # every `compose up` runs it


class Status(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(int(self.path.strip("/")))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_health_probe_runs_from_the_install(installed, tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Status)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        codes = {status: run(installed, tmp_path, "-m", "tools.healthcheck",
                             f"{base}/{status}").returncode for status in (200, 503)}
    finally:
        httpd.shutdown()
        httpd.server_close()
    refused = run(installed, tmp_path, "-m", "tools.healthcheck", base + "/200").returncode
    assert (codes, refused) == ({200: 0, 503: 1}, 1)

