"""Starting a database server of the test run's own in a temporary directory."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator

import pytest


def private_server(make: Callable[[str], object], error: type[Exception], prefix: str
                   ) -> Iterator:
    """Yield `make(base).start()`d in a fresh directory; stop it and remove the directory after.

    Not under pytest's tmp dirs: those are 0700, and the servers run as their own users.
    A server that cannot start fails the test run, never skips it: CI installs them all.
    """
    base = tempfile.mkdtemp(prefix=prefix)
    server = None
    try:
        try:
            server = make(base)
            server.start()
        except error as exc:
            pytest.fail(str(exc))
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
