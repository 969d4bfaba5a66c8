"""`python -m tools.deploy_config [--dir deploy]`: the deployment's secrets and the broker's
definitions, both derived from libs/topology.py; `... tls --host NAME` makes a private CA and a
server certificate for AMQPS.

    deploy/.env                        written if absent; otherwise only missing keys are added
                                       (one random password per broker user, the database's,
                                       the webhook secret, the console key; mode 0600)
    deploy/rabbitmq/definitions.json   vhost, exchanges, queues, bindings, policy, users with
                                       password hashes of the .env passwords, permissions
    deploy/rabbitmq/tls/               ca.pem, server.pem, server.key (the `tls` command)

The broker loads the definitions at boot (deploy/rabbitmq/rabbitmq.conf); the services then
run with RABBITMQ_DECLARE=false and only check that the topology is there.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys
from pathlib import Path

from libs import topology

VHOST = "siades"
OPS_USER = "ops"
HASHING = "rabbit_password_hashing_sha256"
NOTHING = "^$"
OPERATOR_KEYS = ("TELEGRAM_BOT_TOKEN", "PUBLIC_URL")  # left empty for the operator to fill


def password_key(user: str) -> str:
    """The .env key holding `user`'s broker password, e.g. RABBITMQ_DATA_SERVICE_PASSWORD."""
    return f"RABBITMQ_{user.upper()}_PASSWORD"


def users() -> list[str]:
    """Every broker user of the deployment: one per service role, and the operator's."""
    return [role.user for role in topology.ROLES] + [OPS_USER]


def generated_keys() -> list[str]:
    """The .env keys this tool fills with random values."""
    return [password_key(user) for user in users()] + [
        "POSTGRES_PASSWORD", "TELEGRAM_WEBHOOK_SECRET", "CONSOLE_SECRET_KEY"]


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped)."""
    found = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            found[key.strip()] = value.strip()
    return found


def ensure_env(path: Path) -> dict[str, str]:
    """Write `path` or add the keys it lacks, never changing a value; return its contents."""
    present = read_env(path) if path.exists() else {}
    # token_urlsafe: only A-Z a-z 0-9 _ -, so a password goes into an AMQP URL as it is,
    # and the webhook secret is one Telegram accepts.
    missing = [f"{key}={secrets.token_urlsafe(24)}" for key in generated_keys()
               if key not in present]
    missing += [f"{key}=" for key in OPERATOR_KEYS if key not in present]
    if missing:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as env:
            if present and not path.read_text().endswith("\n"):
                env.write("\n")
            env.write("\n".join(missing) + "\n")
    os.chmod(path, 0o600)
    return read_env(path)


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def hash_matches(stored: str, password: str) -> bool:
    """Whether a stored hash is that of `password`."""
    try:
        salt = base64.b64decode(stored)[:4]
    except ValueError:
        return False
    return len(salt) == 4 and secrets.compare_digest(password_hash(password, salt), stored)


def only(names: list[str] | tuple[str, ...]) -> str:
    """A permission regex matching exactly `names` (and nothing when there are none)."""
    if not names:
        return NOTHING
    escaped = [re.escape(name) for name in sorted(names)]
    return f"^{escaped[0]}$" if len(escaped) == 1 else f"^({'|'.join(escaped)})$"


def permissions() -> dict[str, dict]:
    """Each user's configure/write/read regexes and tags: what its code does, no more.

    No user may configure: the definitions own the topology. The operator may read the
    dead-letter queues (list, get messages) and publish to the default exchange, which is how
    tools/dead_letters.py moves a message back into its work queue.
    """
    granted = {role.user: {"configure": NOTHING, "write": only(role.publishes),
                           "read": only(role.consumes), "tags": []}
               for role in topology.ROLES}
    granted[OPS_USER] = {
        "configure": NOTHING,
        "write": only(["amq.default"]),  # the default exchange, as permissions name it
        "read": only([topology.dead_queue(wq.name) for wq in topology.WORK_QUEUES]),
        "tags": ["management"],
    }
    return granted


def policies(vhost: str) -> list[dict]:
    """The delivery-limit policy on the work queues, equal to their x-delivery-limit.

    A quorum queue uses the lower of argument and policy, so an operator can lower the limit
    on a live broker by editing this policy (raising it past DELIVERY_LIMIT needs the queues
    redeclared). Dead-lettering stays in the arguments only: there the argument wins over a
    policy, and each queue has its own dead-letter routing key.
    """
    return [{
        "vhost": vhost, "name": "siades-delivery-limit", "apply-to": "queues", "priority": 0,
        "pattern": only([wq.name for wq in topology.WORK_QUEUES]),
        "definition": {"delivery-limit": topology.DELIVERY_LIMIT},
    }]


def definitions(passwords: dict[str, str], vhost: str = VHOST,
                previous: dict | None = None) -> dict:
    """The broker's definitions; a user's previous hash is kept while its password holds."""
    old = {user["name"]: user.get("password_hash", "")
           for user in (previous or {}).get("users", [])}
    granted = permissions()
    user_entries = []
    for user in users():
        password = passwords[user]
        kept = old.get(user, "")
        user_entries.append({
            "name": user, "hashing_algorithm": HASHING, "tags": granted[user]["tags"],
            "password_hash": kept if hash_matches(kept, password) else password_hash(password),
        })
    return {
        "users": user_entries,
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": user, "vhost": vhost,
                         **{k: granted[user][k] for k in ("configure", "write", "read")}}
                        for user in users()],
        "policies": policies(vhost),
        "exchanges": [{"name": name, "vhost": vhost, "type": kind, "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}
                      for name, kind in topology.EXCHANGES],
        "queues": [{"name": name, "vhost": vhost, "durable": True, "auto_delete": False,
                    "arguments": arguments} for name, arguments in topology.queues()],
        "bindings": [{"source": exchange, "vhost": vhost, "destination": queue,
                      "destination_type": "queue", "routing_key": key, "arguments": {}}
                     for queue, exchange, key in topology.bindings()],
    }


def write_definitions(path: Path, env: dict[str, str], vhost: str = VHOST) -> dict:
    """Write the definitions for the passwords in `env` to `path`."""
    passwords = {}
    for user in users():
        if not env.get(password_key(user)):
            raise SystemExit(f"{password_key(user)} is empty in .env: set it, or delete the "
                             "line to have one generated")
        passwords[user] = env[password_key(user)]
    previous = json.loads(path.read_text()) if path.exists() else None
    result = definitions(passwords, vhost, previous)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by the broker's own user in its container: it holds salted hashes of random
    # 192-bit passwords, which cannot be guessed back, never the passwords.
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def generate(directory: Path, vhost: str = VHOST) -> tuple[Path, Path]:
    """Both files under `directory`: its .env and rabbitmq/definitions.json."""
    directory.mkdir(parents=True, exist_ok=True)
    env_path = directory / ".env"
    defs_path = directory / "rabbitmq" / "definitions.json"
    write_definitions(defs_path, ensure_env(env_path), vhost)
    return env_path, defs_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy_config",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["config", "tls"], default="config")
    parser.add_argument("--dir", type=Path, default=Path("deploy"), help="default: deploy")
    parser.add_argument("--host", action="append", default=[],
                        help="tls: a name (or IP) the services reach the broker by; repeatable")
    parser.add_argument("--days", type=int, default=825, help="tls: the certificate's life")
    args = parser.parse_args(argv)
    if args.command == "tls":
        from tools.deploy_tls import make_certificates

        if not args.host:
            parser.error("tls needs --host, e.g. --host broker.example.id")
        for path in make_certificates(args.dir / "rabbitmq" / "tls", args.host, args.days):
            print(f"wrote {path}")
        return
    env_path, defs_path = generate(args.dir)
    print(f"wrote {defs_path}; secrets in {env_path}")
    empty = [key for key in OPERATOR_KEYS if not read_env(env_path).get(key)]
    if empty:
        print(f"fill in {', '.join(empty)} in {env_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
