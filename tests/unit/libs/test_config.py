"""Settings read from the environment: defaults, types, and refusing what is not a value."""

import pytest

from libs.config import Settings


def test_defaults_when_nothing_is_set():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.rabbitmq_declare is True
    assert settings.metrics_port == 0
    assert settings.log_format == "text"


@pytest.mark.parametrize("raw, expected", [
    ("false", False), ("FALSE", False), ("0", False), ("no", False), ("off", False),
    ("true", True), ("1", True), ("Yes", True), (" on ", True),
])
def test_booleans_read_as_words(raw, expected):
    assert Settings.from_env({"RABBITMQ_DECLARE": raw}).rabbitmq_declare is expected


def test_a_boolean_that_is_neither_is_refused_by_name():
    with pytest.raises(ValueError, match="RABBITMQ_DECLARE must be true or false"):
        Settings.from_env({"RABBITMQ_DECLARE": "nope"})


def test_numbers_and_formats_are_converted():
    settings = Settings.from_env({"METRICS_PORT": "9100", "LOG_FORMAT": "JSON",
                                  "NOTIFIER_MAX_PER_SECOND": "12.5"})
    assert settings.metrics_port == 9100
    assert settings.log_format == "json"
    assert settings.notifier_max_per_second == 12.5


def test_the_registration_limits_per_account_and_per_nik():
    assert (Settings().registration_max_failures, Settings().registration_nik_max_failures,
            Settings().registration_window_hours) == (5, 10, 24)
    settings = Settings.from_env({"REGISTRATION_NIK_MAX_FAILURES": "20"})
    assert settings.registration_nik_max_failures == 20
    assert settings.registration_max_failures == 5
