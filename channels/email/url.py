"""The email settings' URLs, parsed once at start so a bad one stops the gateway early."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from gateway.settings import SettingsError


@dataclass(frozen=True, slots=True)
class ImapUrl:
    host: str
    port: int
    user: str
    password: str
    mailbox: str
    tls: bool

    @property
    def key(self) -> str:
        """Names the mailbox in the checkpoint and lease tables; no password in it."""
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"


@dataclass(frozen=True, slots=True)
class SmtpUrl:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: bool  # SMTPS: TLS from the first byte
    starttls: bool


def parse_imap_url(value: str) -> ImapUrl:
    """`imap://USER:PASSWORD@HOST:PORT/MAILBOX` (`imaps://` for TLS); MAILBOX defaults to INBOX."""
    parts = urlsplit(value)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise SettingsError(
            "GATEWAY_EMAIL_IMAP_URL: must be imap://USER:PASSWORD@HOST:PORT/MAILBOX"
        )
    if not parts.username or parts.password is None:
        raise SettingsError("GATEWAY_EMAIL_IMAP_URL: needs a user and a password")
    tls = parts.scheme == "imaps"
    return ImapUrl(
        host=parts.hostname,
        port=_port(parts, 993 if tls else 143, "GATEWAY_EMAIL_IMAP_URL"),
        user=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=tls,
    )


def parse_smtp_url(value: str) -> SmtpUrl:
    """`smtp://[USER:PASSWORD@]HOST:PORT` (`smtps://`, or `?starttls=1`)."""
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError("GATEWAY_EMAIL_SMTP_URL: must be smtp://[USER:PASSWORD@]HOST:PORT")
    tls = parts.scheme == "smtps"
    starttls = parse_qs(parts.query).get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    if tls and starttls:
        raise SettingsError("GATEWAY_EMAIL_SMTP_URL: smtps:// and starttls=1 exclude each other")
    return SmtpUrl(
        host=parts.hostname,
        port=_port(parts, 465 if tls else (587 if starttls else 25), "GATEWAY_EMAIL_SMTP_URL"),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=tls,
        starttls=starttls,
    )


def parse_from(value: str | None) -> Address:
    """GATEWAY_EMAIL_FROM as an address; its domain names this installation's Message-IDs."""
    name, address = parseaddr(value or "")
    if "@" not in address:
        raise SettingsError("GATEWAY_EMAIL_FROM: must be an email address (support@example.com)")
    user, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def _port(parts: SplitResult, default: int, setting: str) -> int:
    try:
        return parts.port or default
    except ValueError:  # urlsplit raises lazily for a port out of range
        raise SettingsError(f"{setting}: bad port") from None
