"""A node booted with the committed deploy/rabbitmq/rabbitmq.conf and conf.d/20-tls.conf (paths
and ports moved to the test's own): it loads the generated definitions at boot, has no guest,
and takes AMQPS with a certificate from `tools.deploy_config tls`."""

from __future__ import annotations

import ssl
from pathlib import Path

import pika
import pytest
import requests

from libs import topology
from libs.messaging import broker_problem
from tests.support.deployed import attempt, publish
from tests.support.rabbit import free_port
from tools import deploy_config
from tools.deploy_tls import make_certificates
from tools.rabbitmq_node import RabbitNode

pytestmark = pytest.mark.broker  # a node of its own (DeployNode), not the `broker` fixture

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq"


def moved(text: str, replacements: dict[str, str]) -> str:
    """`text` with each key replaced, failing if the committed file no longer has one."""
    for old, new in replacements.items():
        assert old in text, f"the committed config lost {old!r}"
        text = text.replace(old, new)
    return text


class DeployNode(RabbitNode):
    """A node whose config is the committed one, conf.d included."""

    def __init__(self, base: Path, definitions: Path, tls: Path):
        super().__init__(base, port=free_port(), management_port=free_port(),
                         dist_port=free_port(), name="deploy")
        self.tls_port = free_port()
        self.definitions, self.tls = definitions, tls

    def env(self) -> dict[str, str]:
        return dict(super().env(), RABBITMQ_CONFIG_FILES=str(self.base / "conf.d"))

    def _write_config(self) -> None:
        super()._write_config()  # enabled_plugins and the env file
        (self.base / "rabbitmq.conf").write_text(moved((DEPLOY / "rabbitmq.conf").read_text(), {
            "/etc/rabbitmq/definitions.json": str(self.definitions),
            "listeners.tcp.default = 5672": f"listeners.tcp.default = 127.0.0.1:{self.port}",
            "management.tcp.port = 15672": f"management.tcp.port = {self.management_port}\n"
                                           "management.tcp.ip = 127.0.0.1",
        }))
        (self.base / "conf.d").mkdir(exist_ok=True)
        tls_conf = (DEPLOY / "conf.d" / "20-tls.conf").read_text()
        (self.base / "conf.d" / "20-tls.conf").write_text(moved(tls_conf, {
            "listeners.ssl.default = 5671": f"listeners.ssl.default = 127.0.0.1:{self.tls_port}",
            "/etc/rabbitmq/tls/": f"{self.tls}/",
        }))


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    base = tmp_path_factory.mktemp("deploy-node")
    env_path, definitions = deploy_config.generate(base / "deploy")
    tls = base / "deploy" / "rabbitmq" / "tls"
    make_certificates(tls, ["localhost", "127.0.0.1"])
    node = DeployNode(base / "node", definitions, tls)
    node.start()
    node.passwords = deploy_config.read_env(env_path)
    yield node
    node.stop()


def url(node, user: str, scheme: str = "amqp", host: str = "127.0.0.1") -> str:
    password = node.passwords[deploy_config.password_key(user)]
    port = node.tls_port if scheme == "amqps" else node.port
    return f"{scheme}://{user}:{password}@{host}:{port}/{deploy_config.VHOST}"


def test_the_node_loads_the_definitions_at_boot_and_has_no_guest(node):
    listed = node.ctl("list_users", "--quiet", "--no-table-headers")
    assert sorted(line.split("\t")[0] for line in listed.splitlines() if line) \
        == sorted(deploy_config.users())
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(pika.URLParameters(
            f"amqp://guest:guest@127.0.0.1:{node.port}/{deploy_config.VHOST}"))
    api = f"http://127.0.0.1:{node.management_port}/api"
    assert requests.get(f"{api}/overview", auth=("guest", "guest"), timeout=10).status_code == 401

    gateway = pika.BlockingConnection(pika.URLParameters(url(node, "gateway")))
    assert attempt(gateway, publish(topology.COMMANDS_EXCHANGE, "data.biodata")) == "yes"
    gateway.close()
    ops = ("ops", node.passwords[deploy_config.password_key("ops")])
    queue = requests.get(f"{api}/queues/{deploy_config.VHOST}/{topology.DATA_QUEUE}", auth=ops,
                         timeout=10)
    assert queue.status_code == 200 and queue.json()["arguments"]["x-queue-type"] == "quorum"


def test_amqps_with_the_private_ca_and_only_with_it(node, tmp_path, monkeypatch):
    # ssl.create_default_context(), which pika uses for amqps://, trusts SSL_CERT_FILE
    monkeypatch.setenv("SSL_CERT_FILE", str(node.tls / "ca.pem"))
    connection = pika.BlockingConnection(pika.URLParameters(url(node, "data_service", "amqps",
                                                                "localhost")))
    topology.check(connection.channel())
    assert connection.is_open
    connection.close()

    # The same server, a CA the client does not know: refused before any login (pika
    # raises the ssl error itself; the services' reconnect loop takes it as the broker away)
    other = tmp_path / "other-ca"
    make_certificates(other, ["localhost"])
    monkeypatch.setenv("SSL_CERT_FILE", str(other / "ca.pem"))
    with pytest.raises(ssl.SSLCertVerificationError, match="CERTIFICATE_VERIFY_FAILED") as err:
        pika.BlockingConnection(pika.URLParameters(url(node, "data_service", "amqps",
                                                       "localhost")))
    # which the services' reconnect loop logs as what it is, and what to do
    assert "not trusted" in broker_problem(err.value)
    assert "SSL_CERT_FILE" in broker_problem(err.value)
