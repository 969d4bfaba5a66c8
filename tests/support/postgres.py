"""A private, throw-away PostgreSQL server for tests: its own data dir and socket, no TCP port."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from glob import glob
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
PORT = 5432  # only names the socket file (.s.PGSQL.5432) in our own socket dir: no clash
INSTALL_HINT = "run `apt-get install postgresql`"


def find_bin_dir() -> Path | None:
    """Directory of initdb and postgres: Debian's newest /usr/lib/postgresql/N/bin, else PATH."""

    def version(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/bin$", path)
        return int(match.group(1)) if match else 0

    # Debian keeps the server binaries out of PATH (only a pg_wrapper for the clients).
    candidates = sorted(glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for directory in map(Path, candidates):
        if all((directory / name).is_file() for name in ("initdb", "postgres")):
            return directory
    return None


class PostgresError(RuntimeError):
    """The test server could not be set up, or a client call failed."""


class PostgresServer:
    """A postgres under `base_dir` (data/ and run/), reachable only through its unix socket."""

    def __init__(self, base_dir: str | os.PathLike[str]):
        self.base_dir = Path(base_dir).resolve()
        self.data_dir = self.base_dir / "data"
        self.run_dir = self.base_dir / "run"
        self.socket = self.run_dir / f".s.PGSQL.{PORT}"
        self.log_file = self.base_dir / "postgres.log"
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise PostgresError(f"socket path too long for a unix socket: {self.socket}")
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresError(f"initdb and postgres not found: {INSTALL_HINT}")
        self._initdb = str(bin_dir / "initdb")
        self._postgres = str(bin_dir / "postgres")
        self._process: subprocess.Popen[bytes] | None = None
        # postgres refuses to run as root; as root we run it (and initdb) as the postgres user.
        self._as_root = os.geteuid() == 0

    def start(self, timeout: float = 30.0) -> None:
        """Initialise the data dir, start postgres and wait until it accepts connections."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        user = self._hand_to_postgres_user() if self._as_root else {}
        initdb = subprocess.run(
            [
                self._initdb, f"--pgdata={self.data_dir}", f"--username={SUPERUSER}",
                "--auth=trust", "--encoding=UTF8", "--locale=C",
                "--no-sync", "--no-instructions",  # a test cluster: nothing to flush or explain
            ],
            capture_output=True, text=True, env=self._server_env(), **user,
        )
        if initdb.returncode != 0:
            raise PostgresError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                [
                    self._postgres, "-D", str(self.data_dir), "-p", str(PORT),
                    "-k", str(self.run_dir),
                    "-c", "listen_addresses=",  # unix socket only
                    # A test server: durability only slows every CREATE DATABASE and commit.
                    "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                ],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self._server_env(), **user,
            )
        self._wait_ready(timeout)

    def _hand_to_postgres_user(self) -> dict:
        try:
            postgres = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresError(f"no postgres user to run the server as: {INSTALL_HINT}") from None
        for path in (self.base_dir, self.run_dir):
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        # postgres must be able to traverse every ancestor (mkdtemp dirs are 0700).
        for path in self.base_dir.parents:
            mode = path.stat().st_mode
            if not mode & 0o001:
                os.chmod(path, mode | 0o001)
        # subprocess switches user in the child itself: no runuser or sudo needed.
        return {"user": postgres.pw_uid, "group": postgres.pw_gid, "extra_groups": []}

    def _server_env(self) -> dict[str, str]:
        # The host's PG* variables (PGDATA, PGPORT...) must not leak into our cluster.
        return {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise PostgresError(f"postgres exited early:\n{self._log_tail()}")
            if self.socket.exists():
                try:
                    self.execute("SELECT 1")
                    return
                except PostgresError as exc:
                    error = exc  # still starting up ("the database system is starting up")
            time.sleep(0.1)
        self.stop()
        raise PostgresError(
            f"postgres did not accept connections within {timeout} s ({error}):\n"
            f"{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 30.0) -> None:
        """Stop postgres with a fast shutdown (SIGINT) and wait for it to exit."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # fast: roll back open transactions, then exit
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()  # the postmaster's children exit when they see it gone
            process.wait(timeout)

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """An autocommit psycopg connection to `database` as the superuser."""
        return psycopg.connect(
            host=str(self.run_dir), port=PORT, user=SUPERUSER, dbname=database,
            connect_timeout=5, autocommit=True,
        )

    def execute(self, query: str | sql.Composable, database: str = "postgres") -> list[tuple]:
        """Run one statement outside a transaction and return its rows (if it has any)."""
        try:
            with self.connect(database) as conn:
                cursor = conn.execute(query)
                return cursor.fetchall() if cursor.description else []
        except psycopg.Error as exc:
            raise PostgresError(f"postgres client failed: {exc}") from exc

    def create_database(self, name: str) -> None:
        """Create an empty UTF8 database (dropping any old one of that name)."""
        ident = sql.Identifier(name)
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        self.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(ident))

    def url(self, name: str) -> str:
        """SQLAlchemy URL of database `name` over the unix socket."""
        host = quote(str(self.run_dir), safe="/")
        return f"postgresql+psycopg://{SUPERUSER}@/{name}?host={host}&port={PORT}"
