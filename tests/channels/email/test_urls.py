"""The email settings' URLs: what each form means, and a clear error for a bad one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channels.email.url import parse_from, parse_imap_url, parse_smtp_url
from gateway.settings import SettingsError


def test_an_imap_url_names_user_password_host_port_and_mailbox() -> None:
    url = parse_imap_url("imap://support%40shop.test:p%2Fss@mail.shop.test:1143/Support%20Inbox")
    assert (url.user, url.password, url.host, url.port) == (
        "support@shop.test",
        "p/ss",
        "mail.shop.test",
        1143,
    )
    assert url.mailbox == "Support Inbox" and not url.tls
    assert "p/ss" not in url.key  # the key is stored and logged: no password in it


def test_imaps_means_tls_on_port_993_and_the_mailbox_defaults_to_inbox() -> None:
    url = parse_imap_url("imaps://u:p@mail.shop.test")
    assert (url.tls, url.port, url.mailbox) == (True, 993, "INBOX")


@pytest.mark.parametrize(
    ("value", "tls", "starttls", "port", "user"),
    [
        ("smtp://127.0.0.1:2525", False, False, 2525, None),
        ("smtps://u:p@smtp.shop.test", True, False, 465, "u"),
        ("smtp://u:p@smtp.shop.test?starttls=1", False, True, 587, "u"),
    ],
)
def test_smtp_urls_choose_plain_starttls_or_smtps(
    value: str, tls: bool, starttls: bool, port: int, user: str | None
) -> None:
    url = parse_smtp_url(value)
    assert (url.tls, url.starttls, url.port, url.user) == (tls, starttls, port, user)


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_imap_url("http://u:p@host/INBOX"),
        lambda: parse_imap_url("imap://host/INBOX"),
        lambda: parse_imap_url("imap://u:p@host:99999/INBOX"),
        lambda: parse_smtp_url("smtps://host?starttls=1"),
        lambda: parse_from("not an address"),
    ],
    ids=["scheme", "no-credentials", "bad-port", "tls-twice", "from"],
)
def test_a_bad_email_setting_is_a_settings_error(parse: Callable[[], object]) -> None:
    with pytest.raises(SettingsError):
        parse()


def test_the_from_address_gives_the_message_id_domain() -> None:
    assert parse_from("Shop Support <support@shop.test>").domain == "shop.test"
