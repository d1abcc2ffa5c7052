"""Typed settings from `GATEWAY_*` environment variables and an optional TOML file.

The environment wins over the file, the file over the defaults. Every value is validated
when the settings are built, so a bad value stops the gateway at start with a clear message
instead of failing on the first request.
"""

from __future__ import annotations

import re
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gateway.problems import all_problems


class SettingsError(Exception):
    """A setting has a bad value; the message names the setting and what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", extra="ignore", validate_default=True, frozen=True
    )

    # Secrets (passwords inside URLs, tokens, shared secrets) are `SecretStr`: no repr, str
    # or JSON dump of the settings shows them; the code that uses one reveals it there.
    data_dir: Path = Path("./data")
    database_url: SecretStr | None = None
    redis_url: SecretStr | None = None

    # email channel: on when the IMAP URL is set (channels/email/url.py parses the URLs).
    email_imap_url: SecretStr | None = None
    email_smtp_url: SecretStr | None = None
    email_from: str | None = None
    email_poll_seconds: float = Field(default=30.0, gt=0)  # without IDLE; also IDLE's re-check
    email_reconnect_max_seconds: float = Field(default=60.0, gt=0)
    email_lease_seconds: float = Field(default=60.0, gt=0)  # one reader per mailbox
    email_fetch_batch: int = Field(default=50, ge=1, le=1000)
    email_timeout_seconds: float = Field(default=30.0, gt=0)  # IMAP and SMTP network timeouts
    email_attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=0)

    # telegram channel
    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr | None = None
    #: The public HTTPS address of `POST /telegram/webhook` to register with setWebhook;
    #: unset with a secret: the route is served and registration is left to the operator.
    telegram_webhook_url: str | None = None
    #: getUpdates long-poll duration in long-polling mode (no webhook secret).
    telegram_polling_timeout: int = Field(default=25, ge=0, le=50)

    ticket_prefix: str = "TS"
    timezone: str = "Asia/Shanghai"
    #: Where a phone number without a country code is from (ISO 3166 region, e.g. CN, RU).
    phone_region: str = "CN"
    rasa_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    pipeline_workers: int = Field(default=4, ge=1, le=64)  # tasks, in a process that runs NLU
    #: What `run` does (contract "Processes and scale-out"); `--role` on the command line wins.
    role: Literal["all", "web", "worker"] = "all"
    #: Pipeline worker processes `run` starts (role all or worker); 0: the pipeline runs inside
    #: the main process.
    workers: int = Field(default=1, ge=0, le=64)
    #: How long a worker's claim on a stored message lasts: a killed worker's messages are
    #: taken by another after this.
    pipeline_claim_seconds: float = Field(default=30.0, gt=0)
    #: How often an idle worker and the outbox look in the database for work nobody
    #: announced: the safety net under the wake-ups (Redis, LISTEN/NOTIFY, pipes).
    poll_seconds: float = Field(default=0.5, gt=0, le=3600)
    #: Failed pipeline attempts after which a message is parked until a person retries it.
    pipeline_max_attempts: int = Field(default=5, ge=1, le=1000)
    #: The complaint-handling policy (departments, agents, calendar, SLA) as TOML; re-read
    #: when it changes. Unset: the defaults, or what an administrator stored via the API.
    policy_file: Path | None = None
    #: How often deadlines, queues, surveys and spike warnings are checked.
    monitor_interval_seconds: float = Field(default=30.0, gt=0)
    #: Rate limits: hits allowed per window (0 turns one off), per client address for
    #: intake, new chat sessions and failed sign-ins, per chat session for chat messages.
    rate_limit_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    rate_limit_intake: int = Field(default=600, ge=0)
    rate_limit_chat_messages: int = Field(default=60, ge=0)
    rate_limit_chat_sessions: int = Field(default=60, ge=0)
    rate_limit_sign_in: int = Field(default=20, ge=0)
    #: Addresses or networks (CIDR) never limited by address: a trusted proxy, a load test.
    rate_limit_exempt: list[str] = Field(default_factory=list)
    #: Days after which the personal data of customers whose tickets are all closed is
    #: erased by the monitor (numbers, categories, dates and figures stay); 0 keeps it.
    retention_days: int = Field(default=0, ge=0, le=36_500)
    outbox_max_attempts: int = Field(default=12, ge=1)
    outbox_base_delay_seconds: float = Field(default=1.0, gt=0)
    outbox_max_delay_seconds: float = Field(default=300.0, gt=0)
    api_callback_url: str | None = None
    #: Websites allowed to embed the chat widget (comma-separated origins); empty: any.
    web_chat_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Largest image or PDF a chat customer may attach.
    web_chat_attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    #: Shared secret for verified chat identities (HMAC-SHA256 of `customer_id:expires`).
    web_chat_identity_secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = init_settings.init_kwargs.pop("_config_file", None)  # type: ignore[attr-defined]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @field_validator("web_chat_origins", mode="before")
    @classmethod
    def _origins_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("ticket_prefix")
    @classmethod
    def _prefix_is_letters(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{1,10}", value):
            raise ValueError("must be 1-10 upper-case letters A-Z")
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        from gateway.phones import is_region

        if not is_region(value.upper()):
            raise ValueError(f"unknown phone region {value!r} (use ISO 3166, e.g. CN or RU)")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("rate_limit_exempt")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value()
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            # Accept the plain libpq form people copy from their hosting panel.
            return SecretStr("postgresql+asyncpg://" + url.split("://", 1)[1])
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @model_validator(mode="after")
    def _delay_bounds(self) -> Settings:
        if self.outbox_max_delay_seconds < self.outbox_base_delay_seconds:
            raise ValueError("outbox_max_delay_seconds must be >= outbox_base_delay_seconds")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gateway.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Builds the settings; raises `SettingsError` naming each bad setting."""
    if config_file is not None and not config_file.is_file():
        raise SettingsError(f"config file not found: {config_file}")
    try:
        if config_file is not None:
            overrides["_config_file"] = config_file
        return Settings(**overrides)
    except ValidationError as exc:
        problems = all_problems(exc, root="", name=_variable)
        raise SettingsError(f"invalid settings: {problems}") from None
    except ValueError as exc:  # e.g. a TOML syntax error
        raise SettingsError(f"invalid settings: {exc}") from None


def _variable(path: str) -> str:
    """A setting's dotted path as its environment variable."""
    return "GATEWAY_" + path.replace(".", "_").upper()
