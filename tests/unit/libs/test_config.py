"""Settings read from the environment: defaults, types, and refusing what is not a value."""

from dataclasses import fields
from pathlib import Path

import pytest

from libs import config
from libs.config import Settings, SettingsError


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


@pytest.mark.parametrize("variable, raw, expects", [
    ("GATEWAY_WORKERS", "x", "a whole number"),
    ("METRICS_PORT", "9100.5", "a whole number"),
    ("REGISTRATION_WINDOW_HOURS", "24h", "a whole number"),
    ("NOTIFIER_MAX_PER_SECOND", "fast", "a number"),
    ("CONSOLE_IDLE_MINUTES", "30 min", "a number"),
    ("RABBITMQ_DECLARE", "nope", "true or false"),
])
def test_a_value_its_setting_cannot_take_is_refused_naming_the_variable_and_what_it_expects(
        variable, raw, expects):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: raw})
    assert str(refused.value) == f"{variable} must be {expects}, not {raw!r}"
    assert isinstance(refused.value, ValueError)  # as int("x") was, for whoever catches that


def test_an_empty_variable_is_the_default():
    assert Settings.from_env({"GATEWAY_WORKERS": "", "RABBITMQ_DECLARE": "",
                              "PROGRAM_ALIASES": ""}) == Settings()


def test_text_settings_are_read_as_given_or_tidied_where_they_say():
    settings = Settings.from_env({"VILLAGE_CODE": " 3517092006 ",
                                  "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
                                  "VERIFY_BASE_URL": "https://desa.example//",
                                  "PROGRAM_ALIASES": "pkh=pkh, harapan;kis="})
    assert settings.village_code == "3517092006"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.verify_base_url == "https://desa.example"
    assert settings.program_aliases == {"PKH": ("PKH", "HARAPAN"), "KIS": ()}


def test_every_setting_is_read_from_its_name_in_capitals_and_listed_in_the_readme():
    readme = (Path(config.__file__).resolve().parents[1] / "README.md").read_text()
    for setting in fields(Settings):
        variable = setting.metadata["variable"]
        assert variable == setting.name.upper()
        assert f"`{variable}`" in readme, variable
