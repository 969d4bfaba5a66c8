"""tests/deploy: the Dockerfile, the compose files and the health probe, without Docker."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: replays the image build (a fresh virtualenv from the package index); "
        "about a minute, kept in CI")
