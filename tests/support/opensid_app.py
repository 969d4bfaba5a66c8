"""The real OpenSID v2410 application for tests: start.sh's PHP server and MariaDB, and resets.

`../shared/opensid/v2410/start.sh BASE` unpacks OpenSID under BASE/www, starts a MariaDB of its
own (TCP on 127.0.0.1 for OpenSID and the bot, a root socket for us) loaded with the migrated
demo dump, serves OpenSID with `php -S` and waits until the admin can log in. It needs root
(it hands the datadir to the mysql user). `reset()` gives the next test a fresh copy of the demo
database in the same running OpenSID.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from tests.support.rabbit import free_port

PACKAGE_FILES = ("start.sh", "stop.sh", "admin.py", "opensid-v2410.tar.gz", "desa.tar.gz",
                 "opensid_v2410_demo.sql")
# What start.sh checks for (it would apt-get what is missing; a test run must not).
PHP_MODULES = ("mysqli", "pdo_mysql", "gd", "curl", "mbstring", "xml", "zip", "intl", "bcmath",
               "tidy")
DATABASE = "opensid"
# Tests pointing the bot at OpenSID must not wait a year on a lock a leaked session holds.
DROP_LOCK_WAIT = 10

_admin_module: ModuleType | None = None


class OpenSIDError(RuntimeError):
    """OpenSID could not be started, reset or reached; the message says why."""


def missing_package_files(package_dir: Path) -> list[str]:
    """The files of the OpenSID v2410 package that are not in `package_dir`."""
    return [name for name in PACKAGE_FILES if not (package_dir / name).is_file()]


def missing_requirements() -> list[str]:
    """What this machine lacks to run start.sh (root, PHP 8.2 and its modules, MariaDB, curl)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("start.sh must run as root (it hands MariaDB's datadir to the mysql user)")
    php = shutil.which("php8.2")
    if php is None:
        problems.append("php8.2 not found")
    else:
        modules = subprocess.run([php, "-m"], capture_output=True, text=True).stdout.lower()
        lacking = [m for m in PHP_MODULES if m not in modules.split()]
        if lacking:
            problems.append(f"php8.2 lacks the modules {', '.join(lacking)}")
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    for tool in ("mariadbd", "mariadb-install-db", "mariadb", "curl", "runuser", "python3"):
        if shutil.which(tool, path=path) is None:
            problems.append(f"{tool} not found")
    return problems


def load_admin_module(package_dir: Path) -> ModuleType:
    """Import the package's own admin.py (once), without writing __pycache__ beside it."""
    global _admin_module
    if _admin_module is None:
        spec = importlib.util.spec_from_file_location("opensid_v2410_admin",
                                                      package_dir / "admin.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # The shared package is read-only for its users; root would write a .pyc into it anyway.
        dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            spec.loader.exec_module(module)
        finally:
            sys.dont_write_bytecode = dont_write
        _admin_module = module
    return _admin_module


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of start.sh's opensid.env."""
    env = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            env[key.strip()] = value
    return env


class OpenSIDApp:
    """OpenSID v2410 run by start.sh under `base`: its URL, database, admin account, reset."""

    def __init__(self, package_dir: str | os.PathLike[str], base: str | os.PathLike[str]):
        self.package_dir = Path(package_dir)
        self.base = Path(base)
        self.url = ""  # web base, without /index.php, e.g. http://127.0.0.1:40123
        self.database_url = ""  # SQLAlchemy URL of OpenSID's own database (user opensid, TCP)
        self.admin_user = ""
        self.admin_password = ""
        self.socket = ""  # MariaDB's unix socket, root without a password
        self.start_seconds = 0.0
        self.last_reset_seconds = 0.0
        self._started = False

    # --- lifecycle ------------------------------------------------------------------------
    def start(self, attempts: int = 3, timeout: float = 240.0) -> None:
        """Run start.sh on free ports (trying again if another process took one meanwhile)."""
        began = time.monotonic()
        for attempt in range(1, attempts + 1):
            env = {**os.environ, "OSID_WEB_PORT": str(free_port()),
                   "OSID_DB_PORT": str(free_port()), "PYTHONDONTWRITEBYTECODE": "1"}
            env.pop("OSID_FRESH", None)
            self._started = True
            try:
                result = subprocess.run(
                    ["bash", str(self.package_dir / "start.sh"), str(self.base)],
                    env=env, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                raise OpenSIDError(f"start.sh {self.base} took over {timeout:.0f} s:\n"
                                   f"{_tail(exc.stderr)}\n{self._log_tails()}") from None
            if result.returncode == 0:
                break
            if "is taken" in result.stderr and attempt < attempts:
                self.stop()  # what came up on the old ports; start.sh resumes with the rest
                continue
            raise OpenSIDError(f"start.sh {self.base} failed (exit {result.returncode}):\n"
                               f"{_tail(result.stderr)}\n{self._log_tails()}")
        env_file = read_env_file(self.base / "opensid.env")
        self.url = env_file["OPENSID_URL"]
        self.database_url = env_file["DATABASE_URL"]
        self.admin_user = env_file["OPENSID_ADMIN_USER"]
        self.admin_password = env_file["OPENSID_ADMIN_PASS"]
        self.socket = env_file["MARIADB_SOCKET"]
        self.start_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Stop PHP and MariaDB through stop.sh (only the PIDs recorded under `base`)."""
        if self._started:
            subprocess.run(["bash", str(self.package_dir / "stop.sh"), str(self.base)],
                           capture_output=True, text=True, timeout=60)

    def remove_data(self) -> None:
        """Remove the web tree and the datadir (about 350 MB), keeping logs/ and opensid.env."""
        for name in ("www", "www.unpack", "mysql", "tmp"):
            shutil.rmtree(self.base / name, ignore_errors=True)

    # --- database -------------------------------------------------------------------------
    def sql(self, statements: str, database: str | None = DATABASE) -> str:
        """Run SQL as MariaDB's root over the socket; tab-separated output without headers."""
        cmd = ["mariadb", "--no-defaults", "-S", self.socket, "-uroot", "-N", "-B",
               "-e", statements]
        result = subprocess.run(cmd + ([database] if database else []),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise OpenSIDError(f"mariadb: {result.stderr.strip()}")
        return result.stdout

    def reset(self) -> float:
        """Give OpenSID a fresh copy of the demo database (and no caches or sessions); seconds."""
        began = time.monotonic()
        drop = (f"SET SESSION lock_wait_timeout = {DROP_LOCK_WAIT}; "
                f"DROP DATABASE IF EXISTS {DATABASE}")
        try:
            self.sql(drop, database=None)
        except OpenSIDError:
            # Only a connection left in a transaction by an earlier test holds the database.
            self._kill_connections()
            self.sql(drop, database=None)
        # The grants on opensid.* outlive the database: start.sh's user keeps its access.
        self.sql(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
                 database=None)
        with open(self.package_dir / "opensid_v2410_demo.sql", "rb") as dump:
            result = subprocess.run(["mariadb", "--no-defaults", "-S", self.socket, "-uroot",
                                     DATABASE], stdin=dump, capture_output=True)
        if result.returncode != 0:
            raise OpenSIDError(f"reloading the demo dump failed: {result.stderr.decode()}")
        self.clear_caches()
        self.last_reset_seconds = time.monotonic() - began
        return self.last_reset_seconds

    def _kill_connections(self) -> None:
        ids = self.sql("SELECT ID FROM information_schema.PROCESSLIST "
                       f"WHERE DB = '{DATABASE}' AND ID <> CONNECTION_ID()", database=None)
        for connection_id in ids.split():
            try:
                self.sql(f"KILL CONNECTION {int(connection_id)}", database=None)
            except OpenSIDError:
                pass  # it ended on its own meanwhile

    def clear_caches(self) -> None:
        """Forget OpenSID's file caches and PHP sessions, so nothing outlives a reset.

        Pages read `config` and `setting_aplikasi` afresh on every request (a change made
        straight in the database shows at once), but OpenSID keeps the village's `config` row
        (identitas_desa, 7 days), the user groups' rights, the active modules and the themes
        under storage/framework/cache/data, and logged-in admins in PHP session files.
        """
        www = self.base / "www"
        shutil.rmtree(www / "storage" / "framework" / "cache" / "data", ignore_errors=True)
        for path in (www / "desa" / "cache").glob("*"):
            if path.is_file() and path.name not in ("index.html", ".htaccess"):
                path.unlink(missing_ok=True)
        for path in (self.base / "tmp").glob("ci_session*"):
            path.unlink(missing_ok=True)

    # --- admin ----------------------------------------------------------------------------
    def admin(self, login: bool = True):
        """An admin.py `Admin` client on this OpenSID, logged in as the admin unless told not to."""
        client = load_admin_module(self.package_dir).Admin(self.url)
        if login:
            where = client.login(self.admin_user, self.admin_password)
            if not where.startswith("main"):
                raise OpenSIDError(f"admin login went to {where!r}, not main")
        return client

    def _log_tails(self) -> str:
        parts = []
        for name in ("logs/php_error.log", "logs/mariadb.err", "logs/admin_login.out"):
            path = self.base / name
            if path.is_file():
                parts.append(f"--- {path}:\n{_tail(path.read_text(errors='replace'))}")
        return "\n".join(parts)


def _tail(text: str | bytes | None, lines: int = 15) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])
