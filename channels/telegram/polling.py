"""Long polling (no webhook secret configured): getUpdates in a loop of our own.

aiogram's `start_polling` hands updates to background tasks and confirms them before they
are stored; here an update is confirmed (the next getUpdates' offset moves past it) only
after `process` has stored it. A crash in between costs a redelivery, which the update id
makes harmless; an update that cannot be stored is fetched again, never skipped.

With a `Lease`, one process of all those sharing the database reads the long poll: the
others wait for the lease, and the reader renews it (checking its fence) before each
getUpdates and again before storing what came back, so a process that was paused past its
lease neither polls nor stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramConflictError
from aiogram.utils.backoff import Backoff, BackoffConfig

from gateway.leases import Lease
from gateway.metrics import Metrics

from .bot import redact
from .inbound import UPDATE_TYPES, TelegramInbound

log = logging.getLogger(__name__)

BACKOFF = BackoffConfig(min_delay=0.5, max_delay=30.0, factor=2.0, jitter=0.1)
#: How often a process without the lease asks for it again.
LEASE_RETRY_SECONDS = 1.0


class TelegramPoller:
    def __init__(
        self,
        bot: Bot,
        inbound: TelegramInbound,
        timeout: int,
        metrics: Metrics,
        lease: Lease | None = None,
    ) -> None:
        self._bot = bot
        self._lease = lease
        self._inbound = inbound
        self._timeout = timeout
        self._metrics = metrics
        #: The first update id not yet stored: what the next getUpdates asks from.
        self.offset: int | None = None

    async def run(self) -> None:
        """Polls until cancelled; survives network errors and storage outages."""
        try:
            await self._poll()
        finally:
            if self._lease is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._lease.release())

    async def _holding(self) -> bool:
        """Whether this process may read the long poll now (always, without a lease)."""
        if self._lease is None:
            return True
        try:
            return await self._lease.hold()
        except Exception:
            log.warning("telegram long-poll lease unavailable; not polling", exc_info=True)
            return False

    async def _poll(self) -> None:
        backoff = Backoff(BACKOFF)
        webhook_removed = False
        while True:
            if not await self._holding():
                await asyncio.sleep(LEASE_RETRY_SECONDS)  # another process reads the poll
                continue
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
            if updates and not await self._holding():
                continue  # the lease was lost while polling: the new holder fetches them
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
