"""Settings: every contract name, the environment over the TOML file, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.settings import SettingsError, load_settings

CONTRACT_NAMES = (
    "DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_IMAP_URL",
    "EMAIL_SMTP_URL",
    "EMAIL_FROM",
    "TELEGRAM_TOKEN",
    "TELEGRAM_API_BASE",
    "TELEGRAM_WEBHOOK_SECRET",
    "TICKET_PREFIX",
    "TIMEZONE",
    "RASA_URL",
)


def test_defaults_are_the_embedded_ones(clean_env: None) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("./data")
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None
    assert (settings.ticket_prefix, settings.timezone, settings.port) == (
        "TS",
        "Asia/Shanghai",
        8080,
    )


def test_every_contract_name_is_read_from_the_environment(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {name: f"value-{name.lower()}" for name in CONTRACT_NAMES}
    values.update(
        DATABASE_URL="postgresql://u@h/db",
        TICKET_PREFIX="CX",
        TIMEZONE="Europe/Moscow",
        DATA_DIR="/tmp/gw",
    )
    for name, value in values.items():
        monkeypatch.setenv(f"GATEWAY_{name}", value)
    settings = load_settings()
    assert settings.effective_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.ticket_prefix == "CX" and settings.timezone == "Europe/Moscow"
    assert settings.rasa_url == "value-rasa_url"
    assert settings.telegram_webhook_secret is not None
    assert settings.telegram_webhook_secret.get_secret_value() == "value-telegram_webhook_secret"
    assert settings.email_imap_url is not None
    assert settings.email_imap_url.get_secret_value() == "value-email_imap_url"


def test_no_secret_shows_in_the_settings_repr_or_dump(clean_env: None) -> None:
    secrets = {
        "database_url": "postgresql+asyncpg://gw:db-pass-1@h/db",
        "redis_url": "redis://:redis-pass-2@h:6379/0",
        "email_imap_url": "imaps://inbox:imap-pass-3@mail.example.com",
        "email_smtp_url": "smtp+starttls://inbox:smtp-pass-4@mail.example.com",
        "telegram_token": "123456:tg-token-5",
        "telegram_webhook_secret": "hook-secret-6",
        "web_chat_identity_secret": "hmac-secret-7",
    }
    settings = load_settings(**secrets)
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for name, value in secrets.items():
        assert value not in shown, name
        assert getattr(settings, name).get_secret_value() == value
    assert settings.effective_database_url == secrets["database_url"]


def test_the_environment_wins_over_the_toml_file(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('ticket_prefix = "FILE"\ntimezone = "UTC"\nmonitor_interval_seconds = 5\n')
    monkeypatch.setenv("GATEWAY_TICKET_PREFIX", "ENV")
    settings = load_settings(config)
    assert settings.ticket_prefix == "ENV"
    assert settings.timezone == "UTC"
    assert settings.monitor_interval_seconds == 5


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("TICKET_PREFIX", "ts-1", "upper-case"),
        ("PORT", "eighty", "PORT"),
        ("DATABASE_URL", "mysql://x", "sqlite+aiosqlite"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_message_naming_it(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv(f"GATEWAY_{name}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"GATEWAY_{name}" in str(caught.value)
    assert words in str(caught.value)


def test_the_cli_exits_2_on_a_bad_setting(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "db", "upgrade"],
        env={
            "GATEWAY_TIMEZONE": "Nowhere/Land",
            "GATEWAY_DATA_DIR": str(tmp_path),
            "PATH": "/usr/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "GATEWAY_TIMEZONE" in done.stderr
