"""The simulator as a Flask app and its test client, for the simulator's own unit tests."""

from __future__ import annotations

import pytest

from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import TEST_TOKEN


class Clock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def app():
    app = create_app(TEST_TOKEN, retry_base_delay=0.01, retry_max_delay=0.05)
    yield app
    app.extensions["telegram_sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def clocked(clock):
    """A test client of a simulator whose limits and fault windows follow `clock`."""
    app = create_app(TEST_TOKEN, clock=clock)
    yield app.test_client()
    app.extensions["telegram_sim"].close()
