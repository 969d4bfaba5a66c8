"""A private, throw-away MariaDB server for tests: its own datadir and socket, no TCP port."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/libexec"]
)


def find_binary(name: str) -> str | None:
    """Path of a MariaDB binary, also looking in the sbin directories a user's PATH may lack."""
    return shutil.which(name, path=SEARCH_PATH)


class MariaDBError(RuntimeError):
    """The test server could not be set up, or a client call failed."""


class MariaDBServer:
    """A mariadbd under `base_dir` (data/ and run/), reachable only through its unix socket."""

    def __init__(self, base_dir: str | os.PathLike[str]):
        self.base_dir = Path(base_dir).resolve()
        self.data_dir = self.base_dir / "data"
        self.run_dir = self.base_dir / "run"
        self.socket = self.run_dir / "mysqld.sock"
        self.error_log = self.run_dir / "error.log"
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise MariaDBError(f"socket path too long for a unix socket: {self.socket}")
        self._process: subprocess.Popen[bytes] | None = None
        self._mariadbd = find_binary("mariadbd")
        self._install_db = find_binary("mariadb-install-db")
        self._client = find_binary("mariadb")
        missing = [
            name
            for name, path in [
                ("mariadbd", self._mariadbd),
                ("mariadb-install-db", self._install_db),
                ("mariadb", self._client),
            ]
            if path is None
        ]
        if missing:
            raise MariaDBError(
                f"{', '.join(missing)} not found: run `apt-get install mariadb-server`"
            )
        # The server refuses to run as root; as root we hand it to the mysql user.
        self._as_root = os.geteuid() == 0

    def start(self, timeout: float = 60.0) -> None:
        """Initialise the datadir, start mariadbd and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        user_args: list[str] = []
        if self._as_root:
            self._hand_to_mysql_user()
            user_args = ["--user=mysql"]
        # --no-defaults: the host's /etc/mysql config (socket, port, logs) must not leak in.
        install = subprocess.run(
            [
                self._install_db,
                "--no-defaults",
                *user_args,
                f"--datadir={self.data_dir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
        )
        if install.returncode != 0:
            raise MariaDBError(f"mariadb-install-db failed:\n{install.stdout}\n{install.stderr}")
        self._process = subprocess.Popen(
            [
                self._mariadbd,
                "--no-defaults",
                *user_args,
                f"--datadir={self.data_dir}",
                "--skip-networking",
                f"--socket={self.socket}",
                f"--pid-file={self.run_dir / 'mysqld.pid'}",
                f"--log-error={self.error_log}",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                # A test server: durability per commit only slows down loading the dump.
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-doublewrite=0",
                "--innodb-buffer-pool-size=256M",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready(timeout)

    def _hand_to_mysql_user(self) -> None:
        mysql = pwd.getpwnam("mysql")
        for path in (self.base_dir, self.data_dir, self.run_dir):
            os.chown(path, mysql.pw_uid, mysql.pw_gid)
        # mysql must be able to traverse every ancestor (mktemp -d dirs are 0700).
        for path in [self.base_dir, *self.base_dir.parents]:
            mode = path.stat().st_mode
            if not mode & 0o001:
                os.chmod(path, mode | 0o001)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise MariaDBError(f"mariadbd exited early:\n{self._log_tail()}")
            if self.socket.exists():
                probe = subprocess.run(
                    [*self._client_cmd(), "-e", "SELECT 1"], capture_output=True
                )
                if probe.returncode == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise MariaDBError(f"mariadbd did not answer within {timeout} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no error log)"

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate mariadbd and wait for it to exit."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def _client_cmd(self, database: str | None = None) -> list[str]:
        cmd = [self._client, "--no-defaults", f"--socket={self.socket}", "-uroot"]
        return [*cmd, database] if database else cmd

    def execute(self, sql: str, database: str | None = None) -> str:
        """Run SQL through the mariadb client and return its output."""
        result = subprocess.run(
            [*self._client_cmd(database), "-N", "-B", "-e", sql], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise MariaDBError(f"mariadb client failed: {result.stderr.strip()}")
        return result.stdout

    def create_database(self, name: str) -> None:
        """Create an empty utf8mb4 database (dropping any old one of that name)."""
        self.execute(
            f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
        )

    def load_sql(self, name: str, path: str | os.PathLike[str]) -> None:
        """Pipe an SQL dump through the mariadb client into database `name`."""
        with open(path, "rb") as dump:
            result = subprocess.run(self._client_cmd(name), stdin=dump, capture_output=True)
        if result.returncode != 0:
            raise MariaDBError(f"loading {path} failed: {result.stderr.decode(errors='replace')}")

    def url(self, name: str) -> str:
        """SQLAlchemy URL of database `name` over the unix socket."""
        socket = quote(str(self.socket), safe="/")
        return f"mysql+pymysql://root@localhost/{name}?unix_socket={socket}&charset=utf8mb4"
