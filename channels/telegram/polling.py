"""Long polling (no webhook secret configured): getUpdates in a loop of our own.

aiogram's `start_polling` hands updates to background tasks and confirms them before they
are stored; here an update is confirmed (the next getUpdates' offset moves past it) only
after `process` has stored it. A crash in between costs a redelivery, which the update id
makes harmless; an update that cannot be stored is fetched again, never skipped.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramConflictError
from aiogram.utils.backoff import Backoff, BackoffConfig

from gateway.metrics import Metrics

from .bot import redact
from .inbound import UPDATE_TYPES, TelegramInbound

log = logging.getLogger(__name__)

BACKOFF = BackoffConfig(min_delay=0.5, max_delay=30.0, factor=2.0, jitter=0.1)


class TelegramPoller:
    def __init__(self, bot: Bot, inbound: TelegramInbound, timeout: int, metrics: Metrics) -> None:
        self._bot = bot
        self._inbound = inbound
        self._timeout = timeout
        self._metrics = metrics
        #: The first update id not yet stored: what the next getUpdates asks from.
        self.offset: int | None = None

    async def run(self) -> None:
        """Polls until cancelled; survives network errors and storage outages."""
        backoff = Backoff(BACKOFF)
        webhook_removed = False
        while True:
            try:
                if not webhook_removed:
                    # Telegram refuses getUpdates while a webhook is set (409).
                    await self._bot.delete_webhook()
                    webhook_removed = True
                updates = await self._bot.get_updates(
                    offset=self.offset,
                    timeout=self._timeout,
                    allowed_updates=UPDATE_TYPES,
                    request_timeout=self._timeout + 10,
                )
            except (TelegramAPIError, ClientDecodeError) as exc:
                if isinstance(exc, TelegramConflictError):
                    webhook_removed = False
                self._metrics.errors.labels("telegram_polling").inc()
                log.warning("getUpdates failed, retrying: %s", redact(exc, self._bot))
                await backoff.asleep()
                continue
            backoff.reset()
            for update in updates:
                try:
                    await self._inbound.process(update)
                except Exception:
                    self._metrics.errors.labels("telegram_polling").inc()
                    log.exception(
                        "telegram update %s not stored; fetching it again", update.update_id
                    )
                    await backoff.asleep()
                    break  # the offset stays before it, so the next getUpdates brings it back
                self.offset = update.update_id + 1
