"""The simulator as a Flask app and its test client, for the simulator's own unit tests."""

from __future__ import annotations

import pytest

from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import TEST_TOKEN


@pytest.fixture
def app():
    app = create_app(TEST_TOKEN, retry_base_delay=0.01, retry_max_delay=0.05)
    yield app
    app.extensions["telegram_sim"].close()


@pytest.fixture
def client(app):
    return app.test_client()
