"""tools/deploy_config.py without a broker: the .env it keeps, the hashes, the definitions."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat

from libs import topology
from tools import deploy_config


def test_env_is_written_once_and_only_missing_keys_are_added(tmp_path):
    env_path, defs_path = deploy_config.generate(tmp_path)
    first = deploy_config.read_env(env_path)
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert first["TELEGRAM_BOT_TOKEN"] == "" and first["PUBLIC_URL"] == ""
    generated = [first[key] for key in deploy_config.generated_keys()]
    assert len(set(generated)) == len(generated)  # one secret each
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", value) for value in generated)

    # Given an operator who filled in the token and removed one password
    text = env_path.read_text().replace("TELEGRAM_BOT_TOKEN=", "TELEGRAM_BOT_TOKEN=filled-in")
    text = "\n".join(line for line in text.splitlines()
                     if not line.startswith("RABBITMQ_NOTIFIER_PASSWORD="))
    env_path.write_text(text)  # no newline at the end, on purpose
    hashes = {u["name"]: u["password_hash"] for u in json.loads(defs_path.read_text())["users"]}

    deploy_config.generate(tmp_path)
    second = deploy_config.read_env(env_path)
    assert second["TELEGRAM_BOT_TOKEN"] == "filled-in"
    assert second["RABBITMQ_NOTIFIER_PASSWORD"] not in ("", first["RABBITMQ_NOTIFIER_PASSWORD"])
    assert {k: v for k, v in second.items() if k not in ("TELEGRAM_BOT_TOKEN",
                                                         "RABBITMQ_NOTIFIER_PASSWORD")} \
        == {k: v for k, v in first.items() if k not in ("TELEGRAM_BOT_TOKEN",
                                                        "RABBITMQ_NOTIFIER_PASSWORD")}
    again = {u["name"]: u["password_hash"] for u in json.loads(defs_path.read_text())["users"]}
    # A hash is kept while its password holds, and made anew for the new password
    assert {u: h for u, h in again.items() if u != "notifier"} \
        == {u: h for u, h in hashes.items() if u != "notifier"}
    assert again["notifier"] != hashes["notifier"]
    assert deploy_config.hash_matches(again["notifier"], second["RABBITMQ_NOTIFIER_PASSWORD"])


def test_password_hash_is_rabbitmqs_salted_sha256():
    stored = deploy_config.password_hash("rahasia", salt=b"\x01\x02\x03\x04")
    raw = base64.b64decode(stored)
    assert raw[:4] == b"\x01\x02\x03\x04"
    assert raw[4:] == hashlib.sha256(b"\x01\x02\x03\x04rahasia").digest()
    assert deploy_config.hash_matches(stored, "rahasia")
    assert not deploy_config.hash_matches(stored, "Rahasia")


def test_definitions_follow_the_topology_and_hold_no_guest():
    passwords = {user: f"pw-{user}" for user in deploy_config.users()}
    found = deploy_config.definitions(passwords)
    assert [u["name"] for u in found["users"]] == deploy_config.users()
    assert "guest" not in json.dumps(found)
    assert {q["name"]: q["arguments"] for q in found["queues"]} == dict(topology.queues())
    assert {(b["destination"], b["source"], b["routing_key"]) for b in found["bindings"]} \
        == set(topology.bindings())
    [policy] = found["policies"]
    assert policy["definition"]["delivery-limit"] == topology.DELIVERY_LIMIT
    limited = {q["name"] for q in found["queues"] if re.fullmatch(policy["pattern"], q["name"])}
    assert limited == {wq.name for wq in topology.WORK_QUEUES}
    assert all(q["arguments"]["x-delivery-limit"] == topology.DELIVERY_LIMIT
               for q in found["queues"] if q["name"] in limited)
