"""The deployment's broker definitions (tools/deploy_config.py) imported into the test node, in
a vhost of the test's own, and a way to try what each user may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pika
import requests
from pika.exceptions import ChannelClosedByBroker, UnroutableError

from tests.support.rabbit import Broker
from tools import deploy_config


@dataclass
class Deployed:
    """Imported definitions: the vhost, the .env's passwords, the files."""

    broker: Broker
    vhost: str
    env: dict[str, str]
    directory: Path

    def url(self, user: str) -> str:
        """AMQP URL of `user` on the vhost."""
        password = self.env[deploy_config.password_key(user)]
        return f"amqp://{user}:{password}@127.0.0.1:{self.broker.node.port}/{quote(self.vhost)}"

    def auth(self, user: str) -> tuple[str, str]:
        """(user, password) for the management API."""
        return user, self.env[deploy_config.password_key(user)]


def import_deployment(broker: Broker, directory: Path) -> Deployed:
    """Generate the deploy files into `directory` for a fresh vhost and import them."""
    vhost = f"siades-{uuid.uuid4().hex[:8]}"
    env_path, definitions = deploy_config.generate(directory, vhost)
    broker.node.ctl("import_definitions", str(definitions))
    return Deployed(broker, vhost, deploy_config.read_env(env_path), directory)


def remove_deployment(deployed: Deployed) -> None:
    """Drop the vhost and the users the import made on the shared node."""
    api, auth = deployed.broker.api, deployed.broker.auth
    requests.delete(f"{api}/vhosts/{quote(deployed.vhost)}", auth=auth, timeout=30)
    for user in deploy_config.users():
        requests.delete(f"{api}/users/{user}", auth=auth, timeout=30)


def attempt(connection, action) -> str:
    """Run action(channel) on a new channel: "yes", "no" (403) or what else went wrong."""
    channel = connection.channel()
    try:
        action(channel)
        return "yes"
    except ChannelClosedByBroker as exc:
        return "no" if exc.reply_code == 403 else f"{exc.reply_code} {exc.reply_text}"
    except UnroutableError:
        return "unroutable"
    finally:
        if channel.is_open:
            channel.close()


def publish(exchange: str, routing_key: str):
    """An action: publish with a confirm, mandatory (so an unrouted message shows)."""
    def run(channel):
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, b"{}", pika.BasicProperties(
            message_id=f"probe-{uuid.uuid4().hex[:8]}", delivery_mode=2), mandatory=True)
    return run


def consume(queue: str):
    """An action: start consuming `queue` (the broker answers consume-ok or 403)."""
    return lambda channel: channel.basic_consume(queue, lambda *_: None)


def get(queue: str):
    """An action: basic.get from `queue`; what it fetched goes back when the channel closes."""
    return lambda channel: channel.basic_get(queue)
