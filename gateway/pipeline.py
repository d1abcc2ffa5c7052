"""The intake pipeline: store first, then parse, ticket and queue the reply.

`accept` is all a channel waits for: once it returns, the message is durable and the
channel may acknowledge (commit the IMAP checkpoint, answer the webhook). The rest runs on
worker tasks; every step is idempotent, so messages a crash left half-done are simply
processed again at the next start (and by a periodic sweep).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.handling import MessageHandler, Outcome
from gateway.messages import InboundMessage
from gateway.metrics import Metrics
from gateway.ports import Parser
from gateway.store import messages as message_store

log = logging.getLogger(__name__)

ReplyListener = Callable[[], None]

QUEUE_LIMIT = 10_000


class IntakePipeline:
    def __init__(
        self,
        database: Database,
        parser: Parser,
        handler: MessageHandler,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self._db = database
        self._parser = parser
        self._handler = handler
        self._metrics = metrics
        self._clock = clock
        self._queue: asyncio.Queue[int] = asyncio.Queue(QUEUE_LIMIT)
        self._inflight: set[int] = set()
        self._waiters: dict[int, asyncio.Event] = {}
        self._stored_at: dict[int, float] = {}
        # What the first attempt needs, kept from `accept` to save a database round trip.
        self._fresh: dict[int, tuple[str, str | None]] = {}
        self._results: dict[int, dict[str, Any]] = {}
        self.reply_listeners: list[ReplyListener] = []

    async def accept(self, message: InboundMessage) -> tuple[int, bool]:
        """Stores the message durably; returns its id and whether it was new."""
        message_id, created = await self._db.write(
            message_store.store_inbound, message, self._clock()
        )
        self._metrics.intake.labels(message.channel, "stored" if created else "duplicate").inc()
        if created:
            self._stored_at[message_id] = time.perf_counter()
            self._fresh[message_id] = (message.text, message.language_hint)
            self._enqueue(message_id)
        return message_id, created

    async def wait_processed(self, message_id: int, timeout: float) -> bool:
        """Waits until the message has been through the pipeline; False on timeout.

        Another process may be the one working on it, so the database is asked as well as
        the local event.
        """
        event = self._waiters.setdefault(message_id, asyncio.Event())
        deadline = time.monotonic() + timeout
        try:
            while True:
                if message_id in self._inflight:
                    # Ours to process: the event says when, no need to ask the database.
                    remaining = deadline - time.monotonic()
                    try:
                        await asyncio.wait_for(event.wait(), max(remaining, 0))
                        return True
                    except TimeoutError:
                        return False
                row = await self._db.read(message_store.load_message, message_id)
                if row is None or row.stage == message_store.STAGE_DONE:
                    return row is not None
                if message_id not in self._inflight:
                    self._enqueue(message_id)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                try:
                    await asyncio.wait_for(event.wait(), min(remaining, 0.5))
                    return True
                except TimeoutError:
                    continue
        finally:
            if self._waiters.get(message_id) is event:
                self._waiters.pop(message_id, None)
            if not event.is_set():
                self._results.pop(message_id, None)

    async def result(self, message_id: int) -> dict[str, Any]:
        """The message's ticket and reply; straight from the pipeline when it just ran."""
        cached = self._results.pop(message_id, None)
        if cached is not None:
            return cached
        return await self._db.read(message_store.message_result, message_id)

    async def resume(self) -> int:
        """Queues every message not yet through the pipeline; returns how many."""
        pending = await self._db.read(message_store.pending_message_ids)
        for message_id in pending:
            self._enqueue(message_id)
        if pending:
            log.info("resuming %d messages left half-done", len(pending))
        return len(pending)

    async def drain(self, timeout: float) -> bool:
        """Waits for the queued messages to be processed; False if time ran out."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
            return True
        except TimeoutError:
            return False

    async def run_worker(self) -> None:
        while True:
            message_id = await self._queue.get()
            try:
                await self.process(message_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The message stays stored and is retried by the sweep; the worker lives on.
                self._metrics.errors.labels("pipeline").inc()
                log.exception("processing message %s failed", message_id)
            finally:
                self._inflight.discard(message_id)
                self._queue.task_done()

    async def sweep(self, interval: float = 10.0) -> None:
        """Re-queues stored messages nobody finished (a full queue, a failed step)."""
        while True:
            await asyncio.sleep(interval)
            try:
                pending = await self._db.read(message_store.pending_message_ids)
                for message_id in pending:
                    if message_id not in self._inflight:
                        self._enqueue(message_id)
            except Exception:
                self._metrics.errors.labels("sweep").inc()
                log.exception("pipeline sweep failed")

    async def process(self, message_id: int) -> Outcome | None:
        fresh = self._fresh.pop(message_id, None)
        if fresh is None:  # resumed after a restart, or retried by the sweep
            row = await self._db.read(message_store.load_message, message_id)
            if row is None or row.stage == message_store.STAGE_DONE:
                self._done(message_id)
                return None
            fresh = (row.text, row.language_hint)
        text, hint = fresh
        parsed = (
            (await self._parser.parse(text, language_hint=hint)).to_dict() if text.strip() else {}
        )
        outcome = await self._db.write(self._handler.apply, message_id, parsed, self._clock())
        if outcome is not None and message_id in self._waiters:
            self._results[message_id] = outcome.as_result(message_id)
        if outcome is not None:
            if outcome.opened_ticket and outcome.ticket is not None:
                self._metrics.tickets_opened.labels(
                    outcome.ticket.category, outcome.ticket.urgency
                ).inc()
            if outcome.reply_text:
                for listener in self.reply_listeners:
                    listener()
        started = self._stored_at.pop(message_id, None)
        if started is not None:
            self._metrics.pipeline_latency.observe(time.perf_counter() - started)
        self._done(message_id)
        return outcome

    def _enqueue(self, message_id: int) -> None:
        if message_id in self._inflight:
            return
        try:
            self._queue.put_nowait(message_id)
        except asyncio.QueueFull:
            return  # durable already; the sweep picks it up when the queue drains
        self._inflight.add(message_id)

    def _done(self, message_id: int) -> None:
        event = self._waiters.pop(message_id, None)
        if event is not None:
            event.set()
