"""Starts the Telegram channel: the bot, its input (webhook or polling) and its output."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramUnauthorizedError,
)
from aiogram.utils.backoff import Backoff
from aiohttp import web

from gateway.channels import ChannelContext, ChannelSet
from gateway.leases import Lease

from . import CHANNEL
from .bot import build_bot, redact
from .files import AttachmentFetcher
from .inbound import UPDATE_TYPES, TelegramInbound
from .outbound import TelegramOutput
from .polling import BACKOFF, TelegramPoller
from .webhook import TelegramWebhook

log = logging.getLogger(__name__)
#: A long-poll lease outlives one getUpdates by this much before another process may take it.
LEASE_MARGIN_SECONDS = 30


#: What receives updates for the gateway's lifetime: the poller, or webhook registration.
Receiver = Callable[[], Coroutine[Any, Any, None]]


def start(context: ChannelContext, channels: ChannelSet) -> None:
    settings = context.settings
    bot = build_bot(settings)
    inbound = TelegramInbound(
        bot,
        context.intake,
        AttachmentFetcher(bot, settings.data_dir),
        context.clock,
    )
    channels.add_output(CHANNEL.name, TelegramOutput(bot))
    receiver: Receiver | None
    if settings.telegram_webhook_secret:
        secret = settings.telegram_webhook_secret.get_secret_value()
        context.app.router.add_routes(TelegramWebhook(inbound, secret).routes())
        url = settings.telegram_webhook_url
        receiver = (lambda: _register_webhook(bot, url, secret)) if url else None
        if url is None:
            log.info(
                "telegram webhook served; registering it with Telegram is left to the operator"
            )
    else:
        # One reader of the long poll among the processes sharing the database.
        lease = Lease(
            context.database,
            f"telegram-poll:{bot.id}",
            timedelta(seconds=settings.telegram_polling_timeout + LEASE_MARGIN_SECONDS),
            context.clock,
        )
        receiver = TelegramPoller(
            bot, inbound, settings.telegram_polling_timeout, context.metrics, lease
        ).run
    lifetime = _Lifetime(bot, receiver)
    context.app.cleanup_ctx.append(lifetime.ctx)
    context.app.on_shutdown.append(lifetime.stop_receiving)
    # aiogram logs every update at INFO; the gateway's own records already say what matters.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


class _Lifetime:
    """Starts receiving at start-up; stops at shutdown, before the pipeline drains (so no
    update is taken in that nobody will process); closes the bot's HTTP session last, after
    the outbox has sent what it could."""

    def __init__(self, bot: Bot, receiver: Receiver | None) -> None:
        self._bot = bot
        self._receiver = receiver
        self._task: asyncio.Task[None] | None = None

    async def ctx(self, _app: web.Application) -> AsyncIterator[None]:
        if self._receiver is not None:
            self._task = asyncio.create_task(self._receiver(), name="telegram-receiver")
        yield
        await self.stop_receiving(_app)
        await self._bot.session.close()

    async def stop_receiving(self, _app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _register_webhook(bot: Bot, url: str, secret: str) -> None:
    """setWebhook with the secret, retried until Telegram takes it: an unreachable Telegram
    must not stop the gateway from starting."""
    backoff = Backoff(BACKOFF)
    while True:
        try:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=UPDATE_TYPES)
            log.info("telegram webhook registered at %s", url)
            return
        except (TelegramBadRequest, TelegramUnauthorizedError) as exc:
            # A bad URL or secret, or a revoked token: retrying changes nothing.
            log.error("setWebhook refused; register the webhook by hand: %s", redact(exc, bot))
            return
        except (TelegramAPIError, ClientDecodeError) as exc:
            log.warning("setWebhook failed, retrying: %s", redact(exc, bot))
            await backoff.asleep()
