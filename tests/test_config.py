"""Settings: defaults, and one clear line for each missing or malformed setting."""

import pytest

from bot.config import ConfigError, load_settings


def settings(**values):
    return load_settings(_env_file=None, **values)


def test_defaults():
    loaded = settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert loaded.database_url == "sqlite:///partnerbot.db"
    assert loaded.slack_api_url == "https://slack.com/api/"
    assert (loaded.port, loaded.log_level, loaded.default_timezone) == (3000, "INFO", "UTC")
    assert loaded.socket_mode is False
    loaded.require_slack()


def test_missing_bot_token_names_it_and_how_to_get_it():
    with pytest.raises(ConfigError) as error:
        settings(SLACK_SIGNING_SECRET="s").require_slack()
    assert str(error.value).startswith("SLACK_BOT_TOKEN is not set: create the app from manifest.yml")


def test_http_mode_needs_the_signing_secret_but_socket_mode_does_not():
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is not set"):
        settings(SLACK_BOT_TOKEN="xoxb-1").require_slack()
    settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1").require_slack()


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("SLACK_BOT_TOKEN", "xoxp-secret-user-token", "must be a bot token starting with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "must be an app-level token"),
        ("PORT", "http", "PORT is malformed"),
        ("PORT", "70000", "PORT is malformed"),
        ("LOG_LEVEL", "LOUD", "unknown level"),
        ("DEFAULT_TIMEZONE", "Europe/Atlantis", "unknown timezone"),
        ("DATABASE_URL", "mysql://x", "sqlite:// or postgresql"),
        ("SLACK_API_URL", "slack.com/api", "http(s) URL"),
    ],
)
def test_malformed_settings_name_the_setting_and_never_echo_a_token(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        settings()
    message = str(error.value)
    assert message.startswith(f"{name} is malformed") and expected in message
    assert "\n" not in message
    assert "secret-user-token" not in message and "xoxb-wrong-kind" not in message


def test_reads_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    monkeypatch.chdir(tmp_path)
    loaded = load_settings()
    assert loaded.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert "xoxb-from-file" not in repr(loaded)
    assert loaded.port == 4000 and loaded.slack_api_url == "http://127.0.0.1:9/api/"


def test_every_missing_and_malformed_setting_is_named_at_once(monkeypatch):
    monkeypatch.setenv("PORT", "http")
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Atlantis")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-secret-wrong-kind")  # malformed, so HTTP mode: a secret is needed
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, require_slack=True)
    lines = str(error.value).splitlines()
    assert lines[0] == "6 settings need fixing:"
    named = [line.removeprefix("  - ").split(" ", 1)[0] for line in lines[1:]]
    assert sorted(named) == sorted(
        ["PORT", "LOG_LEVEL", "DEFAULT_TIMEZONE", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    )
    assert "  - SLACK_BOT_TOKEN is not set: create the app from manifest.yml" in str(error.value)
    assert "  - LOG_LEVEL is malformed (unknown level 'LOUD'): use one of DEBUG" in str(error.value)
    assert "secret-wrong-kind" not in str(error.value)


def test_start_up_prints_every_problem_and_stops(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(__import__("tempfile").mkdtemp())  # no .env of the developer's
    monkeypatch.setenv("PORT", "70000")
    assert main(["run"]) == 2
    printed = capsys.readouterr().err
    assert printed.startswith("partnerbot: 3 settings need fixing:\n")
    for name in ("PORT is malformed", "SLACK_BOT_TOKEN is not set", "SLACK_SIGNING_SECRET is not set"):
        assert f"  - {name}" in printed


def test_a_missing_setting_alone_is_still_one_line():
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, require_slack=True, SLACK_BOT_TOKEN="xoxb-1")
    assert str(error.value).startswith("SLACK_SIGNING_SECRET is not set: copy 'Signing Secret'")
    assert "\n" not in str(error.value)
