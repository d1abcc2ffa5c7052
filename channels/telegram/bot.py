"""The aiogram `Bot` the channel talks to Telegram through, and keeping its token out of logs."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.utils.token import TokenValidationError

from gateway.settings import Settings, SettingsError


def build_bot(settings: Settings) -> Bot:
    """A bot on `telegram_api_base` (Telegram's, a local Bot API server, or a stand-in).

    Raises `SettingsError` for a token that is not a bot token, without repeating it.
    """
    assert settings.telegram_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    try:
        return Bot(settings.telegram_token.get_secret_value(), session=session)
    except TokenValidationError:
        raise SettingsError(
            "invalid settings: GATEWAY_TELEGRAM_TOKEN: not a bot token (<bot id>:<secret>)"
        ) from None


def redact(text: object, bot: Bot) -> str:
    """`text` without the bot token: aiohttp's errors quote URLs, and Bot API URLs hold it."""
    return str(text).replace(bot.token, "<token>")
