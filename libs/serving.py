"""A Flask app under gunicorn (gthread workers), configured in code instead of a command line.

gunicorn's own lines go through the same log handler as the app's (one format, scrubbed). With
PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics there and /metrics adds them up
(`libs.metrics.exposition`); a worker that exits is marked dead.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from libs.logs import setup_logging

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PRIVATE_ENV = "SIADES_PRIVATE_METRICS_DIR"  # the dir we made, and remove at exit


def share_metrics_between_workers() -> None:
    """Before gunicorn forks: make sure its workers share a PROMETHEUS_MULTIPROC_DIR.

    prometheus_client chooses multiprocess mode when it is imported, so without the variable
    this makes a private temporary directory and runs this program again with it set (the
    same process: exec), and that run removes the directory at exit. A given directory keeps,
    but loses the files of an earlier run (prometheus_client's advice).
    """
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="siades-metrics-")
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]],
                  dict(os.environ, **{MULTIPROC_ENV: path, PRIVATE_ENV: path}))
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    if os.environ.get(PRIVATE_ENV) == path:
        master = os.getpid()
        # Forked workers run atexit handlers too: only the master removes the directory.
        atexit.register(lambda: os.getpid() == master and shutil.rmtree(path, True))


def _child_exit(_server, worker) -> None:
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)


class _ThroughRoot(glogging.Logger):
    """gunicorn's error and access logs, handed to the root logger's handler."""

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.handlers[:] = []
            logger.propagate = True


class FlaskUnderGunicorn(BaseApplication):
    """Serves `factory()` on `bind`; each worker process builds its own app (after fork)."""

    def __init__(self, name: str, factory: Callable[[], Flask], *, bind: str, workers: int,
                 threads: int, timeout: int, log_level: str, log_format: str = "text"):
        self.name, self.factory = name, factory
        self.log_level, self.log_format = log_level, log_format
        self.options = {"bind": bind, "workers": workers, "threads": threads,
                        "timeout": timeout}
        super().__init__()

    def load_config(self):
        setup_logging(self.name, self.log_level, self.log_format)  # the master's own lines
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        self.cfg.set("logger_class", _ThroughRoot)
        self.cfg.set("child_exit", _child_exit)
        # gunicorn's control socket would live in $HOME; nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self):
        setup_logging(self.name, self.log_level, self.log_format)
        return self.factory()
