"""deploy/Dockerfile and .dockerignore, read as Docker reads them: a pinned slim base, a
non-root user, a health probe, the project installed with its pinned dependencies and no dev
extra, no secret in the image, and a build context holding the sources and nothing else."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.deploy.compose_model import (
    DOCKERFILE,
    ROOT,
    DockerIgnore,
    dockerfile,
    image_env,
)

BASE_IMAGE = "python:3.11-slim-bookworm"


@pytest.fixture(scope="module")
def instructions():
    return dockerfile()


@pytest.fixture(scope="module")
def final(instructions):
    """The runtime stage's instructions."""
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def test_every_stage_starts_from_the_pinned_slim_python(instructions):
    bases = [i.words()[0] for i in instructions if i.keyword == "FROM"]
    assert bases and set(bases) == {BASE_IMAGE}


def test_the_runtime_runs_as_an_unprivileged_user(final):
    users = [i.text for i in final if i.keyword == "USER"]
    assert users, "no USER: the services would run as root"
    user = users[-1].partition(":")[0]
    assert user not in ("root", "0")
    created = next(i.text for i in final if i.keyword == "RUN" and "useradd" in i.text)
    assert re.search(rf"useradd .*--uid (\d+) .*\b{user}\b", created)
    assert int(re.search(r"--uid (\d+)", created).group(1)) >= 1000
    # Commands after USER run as that user; CMD is last, so nothing runs as root later.
    keywords = [i.keyword for i in final]
    assert keywords.index("USER") > max(n for n, k in enumerate(keywords) if k == "RUN")


def test_the_data_directory_belongs_to_that_user(final):
    setup = next(i.text for i in final if i.keyword == "RUN" and "useradd" in i.text)
    assert "mkdir -p /var/lib/siades/keys" in setup
    assert "chown -R siades:siades /var/lib/siades" in setup
    assert "chmod 0700 /var/lib/siades/keys" in setup  # the signing key's directory


def test_a_healthcheck_probes_with_the_projects_tool(final):
    (check,) = [i for i in final if i.keyword == "HEALTHCHECK"]
    command = check.exec_form()
    assert command == ["python", "-m", "tools.healthcheck", "http://127.0.0.1:8000/healthz"]
    assert "--timeout=5s" in check.text  # over the probe's own 3 s
    # the default probe is the gateway's, on the port the image makes it listen on
    assert image_env(final)["GATEWAY_BIND"] == "0.0.0.0:8000"


def test_the_environment_is_unbuffered_and_holds_no_secret(instructions, final):
    env = image_env(final)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/venv/bin:")
    for instruction in instructions:
        if instruction.keyword in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|_KEY\b|RABBITMQ_URL|DATABASE_URL",
                                 instruction.text), instruction.text


def test_the_project_is_installed_from_pyproject_without_dev_extras(instructions):
    installs = [i for i in instructions if i.keyword == "RUN" and "pip install" in i.text]
    assert [i.words() for i in installs] == [
        ["/opt/venv/bin/pip", "install", "--no-cache-dir", "."]]
    build = installs[0].stage
    copied = [i.words() for i in instructions if i.keyword == "COPY" and i.stage == build]
    assert ["pyproject.toml", "./"] in copied
    # Not editable, no extras, no requirements file: pyproject.toml's pins are the set.
    assert not re.search(r"\[|-e\b|--editable|requirements", installs[0].text)


def test_only_the_virtualenv_reaches_the_runtime_stage(final):
    copies = [i.words() for i in final if i.keyword == "COPY"]
    assert copies == [["--from=build", "/opt/venv", "/opt/venv"]]
    (workdir,) = [i.text for i in final if i.keyword == "WORKDIR"]
    assert workdir == "/var/lib/siades"  # not a source tree: `python -m` imports the install


def test_no_entrypoint_and_the_gateway_as_the_default_command(final):
    assert not [i for i in final if i.keyword == "ENTRYPOINT"]
    (cmd,) = [i for i in final if i.keyword == "CMD"]
    assert cmd.exec_form() == ["python", "-m", "services.gateway"]


def test_the_parser_reads_continued_lines_and_skips_comments():
    # The checks above rest on it: one HEALTHCHECK with its CMD, across a `\` continuation.
    text = DOCKERFILE.read_text()
    assert "HEALTHCHECK --interval" in text and "\\\n    CMD [" in text
    (check,) = [i for i in dockerfile() if i.keyword == "HEALTHCHECK"]
    assert check.text.startswith("--interval=") and check.exec_form()


# --- .dockerignore ------------------------------------------------------------------------------

SECRET_OR_LOCAL = [
    "deploy/.env", "deploy/rabbitmq/definitions.json", "deploy/rabbitmq/tls/server.key",
    ".venv/bin/python", ".run/siades.db", ".run/keys/letter-signing-key.pem",
    ".git/config", "tests/conftest.py", "bench/results/e2e.json", "siades.db",
    "libs/letter-signing-key.pem", "services/.env", "tools/__pycache__/run.cpython-311.pyc",
    "layanan_desa.egg-info/PKG-INFO",
]


@pytest.mark.parametrize("path", SECRET_OR_LOCAL)
def test_secrets_and_local_state_stay_out_of_the_build_context(path):
    assert DockerIgnore().ignored(path)


def test_the_context_is_the_sources_and_everything_the_build_copies():
    context = DockerIgnore().context()
    tracked = subprocess.run(["git", "ls-files", "pyproject.toml", "libs", "services", "tools"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert set(tracked) <= context
    assert all(path == "pyproject.toml" or path.split("/")[0] in ("libs", "services", "tools")
               for path in context)
    assert not [path for path in context if "__pycache__" in path or path.endswith(".pyc")]
    for instruction in dockerfile():
        if instruction.keyword == "COPY" and not instruction.text.startswith("--from"):
            source = instruction.words()[0]
            assert any(p == source or p.startswith(source + "/") for p in context), source
