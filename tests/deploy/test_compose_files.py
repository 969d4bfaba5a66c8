"""deploy/docker-compose*.yml: valid compose files, the same commands as the end-to-end tests
(tools/supervisor.py's table) with the variables each needs, one broker user per service,
scalable workers, health and restart policies, and the two sides (online host, village office)
each complete on its own. Checked by parsing: no Docker engine."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pika
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.deploy.compose_model import (
    COMPOSE,
    COMPOSE_FILES,
    DEPLOY,
    ENV_EXAMPLE,
    OFFICE,
    ONLINE,
    ROOT,
    InterpolationError,
    as_json,
    depends_on,
    dockerfile,
    enabled,
    environment,
    image_env,
    interpolate,
    interpolated,
    load,
    read_env_file,
    references,
    strings,
)
from tools.supervisor import INIT_DB, SERVICES, service_env

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
# Every process the project's image runs, by its compose service: make run's, the end-to-end
# tests' and the benchmarks' one table (tools/supervisor.py), and the init job.
TABLE = {service.compose: service for service in (*SERVICES.values(), INIT_DB)}

# The processes of each side, as docs/DESIGN.md draws them.
ONLINE_SIDE = {"rabbitmq", "gateway"}
OFFICE_SIDE = {"postgres", "init_db", "data_service", "letter_service", "letter_watcher",
               "notifier", "console"}
MONITORING = {"prometheus", "grafana"}
WORKERS = {"data_service", "letter_service", "letter_watcher", "notifier"}
# Whose RabbitMQ user each process logs in as (libs/topology.ROLES; the watcher is part of the
# letter service).
BROKER_USERS = {"gateway": "gateway", "data_service": "data_service",
                "letter_service": "letter_service", "letter_watcher": "letter_service",
                "notifier": "notifier"}
OFFICE_BROKER = {"AMQP_SCHEME": "amqps", "AMQP_HOST": "broker.example.id:5671"}


@pytest.fixture(scope="module")
def base() -> dict:
    return load(COMPOSE)


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def filled_env(env_example) -> dict[str, str]:
    """What tools.deploy_config writes: every key of .env.example with a value of its own."""
    env = {key: f"{key.lower()}-{secrets.token_urlsafe(12)}" for key in env_example}
    env["PUBLIC_URL"] = "https://desa.example.id"
    return env


def app_services(data: dict) -> dict[str, dict]:
    """The services that run the project's image (built from deploy/Dockerfile)."""
    return {name: service for name, service in data["services"].items()
            if (service.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"}


def run_check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", *map(str, paths)],
        capture_output=True, text=True, timeout=120)


# --- (a) valid compose files, every variable accounted for --------------------------------------

def test_every_compose_file_validates_against_the_compose_spec_schema():
    result = run_check_jsonschema(*COMPOSE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not any("version" in load(path) for path in COMPOSE_FILES)  # obsolete in the spec


def test_the_schema_check_does_fail_on_a_broken_file(tmp_path):
    # The check above means something: a service with a misspelt key is refused.
    broken = load(COMPOSE)
    broken["services"]["gateway"]["comand"] = ["python"]
    path = tmp_path / "broken.json"
    path.write_text(as_json(broken))
    assert run_check_jsonschema(path).returncode != 0


def test_files_interpolated_from_env_example_and_from_a_filled_env_still_validate(
        tmp_path, env_example, filled_env):
    office_env = dict(filled_env, **OFFICE_BROKER)
    paths = []
    for label, env in (("example", env_example), ("filled", filled_env),
                       ("office", office_env)):
        for path in COMPOSE_FILES:
            data = interpolated(load(path), env)
            assert "${" not in "".join(strings(data)), f"{path.name} left a variable ({label})"
            out = tmp_path / f"{label}-{path.stem}.json"
            out.write_text(as_json(data))
            paths.append(out)
    result = run_check_jsonschema(*paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_variable_is_in_env_example_or_has_a_default(env_example):
    for path in COMPOSE_FILES:
        for text in strings(load(path)):
            for ref in references(text):
                assert ref.has_default or ref.name in env_example, (
                    f"{path.name}: ${{{ref.name}}} has no default and is not in .env.example")


def test_without_a_generated_env_compose_stops_and_says_what_to_run(base):
    # Secrets are ${VAR?...}: compose refuses to start rather than run with empty passwords.
    with pytest.raises(InterpolationError, match="tools.deploy_config"):
        interpolated(base, {})


def test_the_interpolation_follows_compose():
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$SET $SET", env) == (
        "x d  d $SET x")
    assert interpolate("${UNSET:-a${SET}b}", env) == "axb"
    assert interpolate("${EMPTY?e}", env) == ""
    with pytest.raises(InterpolationError):
        interpolate("${EMPTY:?e}", env)
    with pytest.raises(InterpolationError):
        interpolate("${UNSET?e}", env)


# --- (b) the same commands as the end-to-end tests ----------------------------------------------

def test_containers_run_exactly_the_commands_the_end_to_end_tests_run(base):
    instructions = dockerfile()
    final = max(i.stage for i in instructions)
    image_entrypoint = next((i.exec_form() for i in instructions
                             if i.keyword == "ENTRYPOINT" and i.stage == final), None) or []
    image_cmd = next(i.exec_form() for i in instructions
                     if i.keyword == "CMD" and i.stage == final)
    expected = {name: list(service.argv) for name, service in TABLE.items()}
    services = app_services(base)
    assert set(services) == set(expected)  # no container runs something the tests do not
    for name, service in services.items():
        argv = [*(service.get("entrypoint") or image_entrypoint),
                *(service.get("command") or image_cmd)]
        # The tests run `sys.executable <args>`; in the image `python` is the venv's.
        assert argv == ["python", *expected[name]], name
    assert image_env(instructions)["PATH"].startswith("/opt/venv/bin:")


def test_each_container_is_given_every_variable_its_service_needs(base):
    # What a service needs has no default that would do; the image sets the two binds.
    given_by_image = set(image_env(dockerfile()))
    for name, service in app_services(base).items():
        missing = set(TABLE[name].needs) - set(environment(service)) - given_by_image
        assert not missing, (name, missing)


def test_make_run_and_the_end_to_end_tests_give_every_service_what_it_needs():
    env = service_env({}, rabbitmq_url="amqp://", database_url="sqlite://",
                      telegram_api_url="http://sim", bot_token="1:T", webhook_secret="s",
                      gateway_port=1, console_port=2, console_secret_key="k",
                      signing_key_file="key.pem", verify_key="v", verify_base_url="http://v")
    for service in SERVICES.values():
        missing = set(service.needs) - set(env)
        assert not missing, (service.name, missing)


def test_each_healthcheck_asks_where_the_table_says_the_service_answers(base):
    settings = image_env(dockerfile())
    for name, service in app_services(base).items():
        check, table = service["healthcheck"], TABLE[name]
        if not table.health:
            assert check == {"disable": True}, name  # the init job exits when done
            continue
        url = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/\S*)", check["test"][4])
        where = dict(settings, **environment(service))[table.port_from]
        assert (url.group(1), url.group(2)) == (where.rsplit(":", 1)[-1], table.health), name


# --- (c) users, scaling, health, restarts, the broker -------------------------------------------

def test_each_service_logs_in_to_rabbitmq_as_its_own_user(base, filled_env):
    services = interpolated(base, filled_env)["services"]
    with_broker = {name for name, s in services.items() if "RABBITMQ_URL" in environment(s)}
    assert with_broker == set(BROKER_USERS)
    for name, user in BROKER_USERS.items():
        params = pika.URLParameters(environment(services[name])["RABBITMQ_URL"])
        assert params.credentials.username == user, name
        assert params.credentials.password == filled_env[f"RABBITMQ_{user.upper()}_PASSWORD"]
        assert (params.host, params.port, params.virtual_host) == ("rabbitmq", 5672, "siades")
        assert params.ssl_options is None
        assert environment(services[name])["RABBITMQ_DECLARE"] == "false"
    assert not any("guest" in text for text in strings(services))


def test_the_office_reaches_the_broker_over_amqps_with_the_hostname_checked(base, filled_env):
    services = interpolated(base, dict(filled_env, **OFFICE_BROKER))["services"]
    for name in WORKERS:
        params = pika.URLParameters(environment(services[name])["RABBITMQ_URL"])
        assert (params.host, params.port) == ("broker.example.id", 5671), name
        context = params.ssl_options.context
        assert context.check_hostname and context.verify_mode.name == "CERT_REQUIRED"
    gateway = pika.URLParameters(environment(services["gateway"])["RABBITMQ_URL"])
    assert (gateway.host, gateway.port, gateway.ssl_options) == ("rabbitmq", 5672, None)


def test_secrets_reach_only_the_services_that_use_them(base, filled_env):
    services = interpolated(base, filled_env)["services"]
    readers = {key: {name for name, service in services.items()
                     if any(value in text for text in strings(service))}
               for key, value in filled_env.items() if key != "PUBLIC_URL"}
    assert readers["RABBITMQ_GATEWAY_PASSWORD"] == {"gateway"}
    assert readers["RABBITMQ_DATA_SERVICE_PASSWORD"] == {"data_service"}
    assert readers["RABBITMQ_LETTER_SERVICE_PASSWORD"] == {"letter_service", "letter_watcher"}
    assert readers["RABBITMQ_NOTIFIER_PASSWORD"] == {"notifier"}
    assert readers["RABBITMQ_OPS_PASSWORD"] == set()  # the operator's, for the console
    assert readers["POSTGRES_PASSWORD"] == OFFICE_SIDE  # the database, its users
    assert readers["TELEGRAM_WEBHOOK_SECRET"] == {"gateway"}
    assert readers["CONSOLE_SECRET_KEY"] == {"console"}
    assert readers["TELEGRAM_BOT_TOKEN"] == {"notifier", "gateway"}


def test_the_database_url_names_the_bundled_postgres_unless_set(base, filled_env):
    services = interpolated(base, filled_env)["services"]
    url = make_url(environment(services["data_service"])["DATABASE_URL"])
    assert (url.get_backend_name(), url.host, url.username, url.database) == (
        "postgresql", "postgres", "siades", "siades")
    assert url.password == filled_env["POSTGRES_PASSWORD"]
    postgres_env = environment(services["postgres"])
    assert (postgres_env["POSTGRES_USER"], postgres_env["POSTGRES_DB"]) == ("siades", "siades")
    opensid = "mysql://opensid:pw@192.168.1.10/opensid"
    services = interpolated(base, dict(filled_env, DATABASE_URL=opensid))["services"]
    assert {environment(services[name])["DATABASE_URL"]
            for name in OFFICE_SIDE - {"postgres"}} == {opensid}


def test_workers_can_be_scaled(base):
    for name, service in base["services"].items():
        assert "container_name" not in service, name  # a fixed name allows one container
    for name in WORKERS:
        service = base["services"][name]
        assert "ports" not in service and "hostname" not in service, name
        assert environment(service)["METRICS_PORT"] == "9100"


def test_long_running_services_have_a_healthcheck_and_a_restart_policy(base):
    gateway_port = image_env(dockerfile())["GATEWAY_BIND"].rsplit(":", 1)[1]
    console_port = image_env(dockerfile())["CONSOLE_BIND"].rsplit(":", 1)[1]
    expected_ports = {"gateway": gateway_port, "console": console_port,
                      **{name: "9100" for name in WORKERS}}
    for name, service in base["services"].items():
        if name == "init_db":
            continue
        assert service.get("restart") in ("unless-stopped", "always"), name
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), name
        if name in app_services(base):
            assert check["test"][:4] == ["CMD", "python", "-m", "tools.healthcheck"], name
            port = re.match(r"http://127\.0\.0\.1:(\d+)/", check["test"][4]).group(1)
            assert port == expected_ports[name], name
            assert service["init"] is True, name  # SIGTERM passed on, children reaped
            assert _seconds(service["stop_grace_period"]) >= 30, name


def _seconds(duration: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([sm])", duration).groups()
    return int(number) * (60 if unit == "m" else 1)


def test_the_init_job_runs_once_before_the_services_that_use_the_database(base):
    init = base["services"]["init_db"]
    assert init["restart"] == "no"
    assert init["healthcheck"] == {"disable": True}
    assert depends_on(init)["postgres"]["condition"] == "service_healthy"
    for name in OFFICE_SIDE - {"postgres", "init_db"}:
        assert depends_on(base["services"][name])["init_db"]["condition"] == (
            "service_completed_successfully"), name
    assert depends_on(base["services"]["gateway"]) == {
        "rabbitmq": {"condition": "service_healthy"}}  # the online host has no database


def test_rabbitmq_loads_the_definitions_and_has_no_guest(base):
    rabbitmq = base["services"]["rabbitmq"]
    assert not {"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"} & set(environment(rabbitmq))
    mounts = {m["target"]: m for m in rabbitmq["volumes"] if isinstance(m, dict)}
    conf = mounts["/etc/rabbitmq/rabbitmq.conf"]
    definitions_target = re.search(r"^load_definitions\s*=\s*(\S+)",
                                   (DEPLOY / conf["source"]).read_text(), re.M).group(1)
    definitions = mounts[definitions_target]
    for mount in (conf, definitions):
        assert mount["read_only"] is True and mount["bind"]["create_host_path"] is False
    assert definitions["source"] == "./rabbitmq/definitions.json"
    # Generated with the users' password hashes: never in git.
    assert subprocess.run(["git", "check-ignore", "-q", "deploy/rabbitmq/definitions.json"],
                          cwd=ROOT).returncode == 0
    assert rabbitmq["hostname"] == "rabbitmq"  # the node's name, under which its data lives
    assert rabbitmq["image"].startswith("rabbitmq:") and "management" in rabbitmq["image"]


def test_published_ports_are_on_loopback_and_5672_is_never_published(base):
    published = {}
    for name, service in base["services"].items():
        for port in service.get("ports") or []:
            published[name] = published.get(name, []) + [interpolate(port, {})]
    assert published == {"rabbitmq": ["127.0.0.1:15672:15672"],
                         "gateway": ["127.0.0.1:8000:8000"],
                         "console": ["127.0.0.1:8090:8090"],
                         "prometheus": ["127.0.0.1:9090:9090"],
                         "grafana": ["127.0.0.1:3000:3000"]}


def test_third_party_images_are_pinned_to_a_version(base):
    for name, service in base["services"].items():
        if name in app_services(base):
            continue
        image, _, tag = service["image"].partition(":")
        assert tag and tag != "latest" and re.match(r"v?\d+", tag), name


# --- the two sides --------------------------------------------------------------------------------

def test_this_file_alone_is_the_all_in_one_system(base):
    assert enabled(base) == ONLINE_SIDE | OFFICE_SIDE
    assert enabled(base, active_profiles=frozenset({"monitoring"})) == (
        ONLINE_SIDE | OFFICE_SIDE | MONITORING)


@pytest.mark.parametrize("override, side", [(ONLINE, ONLINE_SIDE), (OFFICE, OFFICE_SIDE)])
def test_each_side_starts_its_own_services_and_every_dependency_they_need(base, override, side):
    services = enabled(base, load(override))
    assert services == side
    for name in services:
        for dependency, spec in depends_on(base["services"][name]).items():
            # compose refuses a required dependency that the side switched off
            assert dependency in services or spec.get("required") is False, (name, dependency)


def test_the_online_host_opens_amqps_with_the_tls_listener_and_certificates(base):
    rabbitmq = load(ONLINE)["services"]["rabbitmq"]
    assert rabbitmq["ports"] == ["5671:5671"]
    mounts = {m["target"]: m for m in rabbitmq["volumes"]}
    tls_conf = DEPLOY / mounts["/etc/rabbitmq/conf.d/20-tls.conf"]["source"]
    text = tls_conf.read_text()
    assert re.search(r"^listeners\.ssl\.default\s*=\s*5671", text, re.M)
    for path in re.findall(r"^ssl_options\.\w+file\s*=\s*(\S+)", text, re.M):
        assert path.startswith(mounts["/etc/rabbitmq/tls"]["target"] + "/")
    assert all(m["read_only"] for m in mounts.values())
    # and the all-in-one broker has no TLS listener to fail on missing certificates
    assert not any("tls" in str(m) for m in base["services"]["rabbitmq"]["volumes"])


def test_the_office_trusts_the_brokers_ca_for_amqp(base):
    office = load(OFFICE)["services"]
    for name in WORKERS:
        cert_file = office[name]["environment"]["SSL_CERT_FILE"]
        assert cert_file in {m["target"] for m in office[name]["volumes"]}, name
    assert not {"console", "init_db"} & set(office)  # no broker, no CA needed


# --- monitoring -----------------------------------------------------------------------------------

def test_prometheus_finds_every_replica_of_every_service_by_dns(base):
    mounts = {m["target"]: m for m in base["services"]["prometheus"]["volumes"]
              if isinstance(m, dict)}
    config = yaml.safe_load((DEPLOY / mounts["/etc/prometheus/prometheus.yml"]["source"])
                            .read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name in WORKERS | {"gateway"}:
        (sd,) = jobs[name]["dns_sd_configs"]
        port = environment(base["services"][name]).get("METRICS_PORT") or "8000"
        assert (sd["names"], sd["type"], str(sd["port"])) == ([name], "A", port), name


def test_grafana_is_provisioned_with_the_dashboard(base):
    grafana = base["services"]["grafana"]
    dashboards = yaml.safe_load(base["configs"]["grafana_dashboards"]["content"])
    folder = dashboards["providers"][0]["options"]["path"]
    (mount,) = [m for m in grafana["volumes"] if isinstance(m, dict)]
    assert Path(mount["target"]).parent.as_posix() == folder
    assert (DEPLOY / mount["source"]).is_file(), "deploy/grafana/siades-dashboard.json"
    datasources = yaml.safe_load(base["configs"]["grafana_datasource"]["content"])
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
