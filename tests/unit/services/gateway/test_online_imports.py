"""The online side never loads the village database: a fresh interpreter imports the gateway
(its webhook app, poller, /verify, bot setup, and whatever the online host's image runs), serves
an update, a button tap and a verify page, and has loaded neither SQLAlchemy nor libs.siades."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from tests.deploy.compose_model import COMPOSE, ONLINE, dockerfile, enabled, load

GATEWAY_MODULES = (
    "services.gateway.__main__",  # webhook (under gunicorn), poll, setup
    "services.gateway.app",
    "services.gateway.poller",
    "services.gateway.verify",
    "services.gateway.bot_setup",
    "libs.vocabulary.states",
    "libs.vocabulary.kinds",
    "libs.vocabulary.callbacks",
    "libs.vocabulary.programs",
)
FORBIDDEN = ("sqlalchemy", "libs.siades")

# Run in the fresh interpreter: import, then use the app as Telegram and a letter's holder do.
PROBE = """
import importlib, json, sys
forbidden, modules = json.loads(sys.argv[1]), sys.argv[2:]
for name in modules:
    importlib.import_module(name)

from libs.config import Settings
from libs.revocations import RevocationList
from services.gateway.app import create_app


class Publisher:
    def publish(self, *args):
        pass

    def is_reachable(self):
        return True


app = create_app(Settings(telegram_webhook_secret="s"), publisher=Publisher(),
                 revocations=RevocationList(current=True))
client = app.test_client()
header = {"X-Telegram-Bot-Api-Secret-Token": "s"}
chat = {"id": 7, "type": "private"}
user = {"id": 7, "is_bot": False, "first_name": "Budi"}
message = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "SKU#a#b#c"}
tap = {"id": "q", "from": user, "message": message, "data": "AJUKAN KIRIM"}
answers = [
    client.post("/telegram/webhook", json={"update_id": 1, "message": message},
                headers=header).status_code,
    client.post("/telegram/webhook", json={"update_id": 2, "callback_query": tap},
                headers=header).status_code,
    client.get("/verify/x").status_code,
    client.get("/healthz").status_code,
]
loaded = sorted(name for name in sys.modules
                if any(name == f or name.startswith(f + ".") for f in forbidden))
print(json.dumps({"answers": answers, "loaded": loaded}))
"""


def python_modules(command: list[str]) -> list[str]:
    """What `python -m M ...` imports first: M's __main__ for a package, else M."""
    if command[:2] != ["python", "-m"]:
        return []
    module = command[2]
    spec = importlib.util.find_spec(module)
    return [f"{module}.__main__" if spec and spec.submodule_search_locations else module]


def online_role_modules() -> set[str]:
    """The modules the online host's containers start: the image's default command and health
    probe, and each python command of the services the online compose file leaves enabled."""
    modules = set()
    for instruction in dockerfile():
        if instruction.keyword in ("CMD", "HEALTHCHECK"):
            modules.update(python_modules(instruction.exec_form() or []))
    base, online = load(COMPOSE), load(ONLINE)
    for name in enabled(base, online):
        service = base["services"][name]
        modules.update(python_modules(list(service.get("command") or [])))
        test = list((service.get("healthcheck") or {}).get("test") or [])
        modules.update(python_modules(test[1:] if test[:1] == ["CMD"] else []))
    return modules


def loaded_after(modules: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(FORBIDDEN), *modules],
                          capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_online_host_runs_the_gateway_and_its_health_probe():
    assert {"services.gateway.__main__", "tools.healthcheck"} <= online_role_modules()


def test_the_online_side_never_loads_the_village_database():
    # Given a fresh interpreter that imports the gateway and what the online image runs
    modules = sorted({*GATEWAY_MODULES, *online_role_modules()})
    # When it takes an update and a tap, and shows a verify page
    found = loaded_after(modules)
    # Then neither SQLAlchemy nor any module of libs.siades was loaded
    assert found["answers"] == [200, 200, 503, 200]
    assert found["loaded"] == []
