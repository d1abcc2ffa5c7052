"""The intake pipeline: store first, then parse, ticket and queue the reply.

`accept` is all a channel waits for: once it returns, the message is durable (stored in a
group commit with whatever else arrived meanwhile) and the channel may acknowledge (commit
the IMAP checkpoint, answer the webhook). The rest runs on worker tasks in this process
(`GATEWAY_WORKERS=0`) or, given a `Dispatch`, in pipeline worker processes that claim the
stored messages (`gateway.worker`); every step is idempotent, so messages a crash left
half-done are simply processed again at the next start (and by a periodic sweep).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from gateway.accepts import GroupCommit
from gateway.bounds import clean_inbound
from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.db.lock_order import lock_batch
from gateway.handling import MessageHandler
from gateway.messages import InboundMessage
from gateway.metrics import Metrics
from gateway.ports import Outcome, Parser, TicketIndex
from gateway.store import messages as message_store

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000
BATCH_SIZE = 32
#: Messages per ticket transaction on SQLite. There a transaction holds the write lock every
#: process shares and the web process's accepts wait for it: a batch's NLU is done together,
#: its tickets are committed a few at a time so that wait stays short. PostgreSQL has no such
#: lock and commits a batch at once.
SQLITE_APPLY_CHUNK = 8


class Dispatch(Protocol):
    """Hands stored messages to pipeline workers in other processes."""

    def stored(self, message_id: int) -> None:
        """A new message is stored (committed): wake a worker for it."""
        ...


class IntakePipeline:
    def __init__(
        self,
        database: Database,
        parser: Parser,
        handler: MessageHandler,
        metrics: Metrics,
        clock: Clock,
        tickets: TicketIndex,
        dispatch: Dispatch | None = None,
        max_attempts: int = 5,
    ) -> None:
        self._db = database
        self._tickets = tickets
        self._commit = GroupCommit(database, clock)
        self.dispatch = dispatch
        self._max_attempts = max_attempts
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

    async def accept(self, message: InboundMessage) -> tuple[int, bool]:
        """Stores the message durably; returns its id and whether it was new."""
        message = clean_inbound(message, self._clock())  # the one place all input passes
        message_id, created = await self._commit.store(message)
        self._metrics.intake.labels(message.channel, "stored" if created else "duplicate").inc()
        if created:
            if self.dispatch is not None:
                self.dispatch.stored(message_id)
            else:
                self._stored_at[message_id] = time.perf_counter()
                self._fresh[message_id] = (message.text, message.language_hint)
                self._enqueue(message_id)
        return message_id, created

    def processed(self, message_ids: list[int], *, ours: bool = True) -> None:
        """A worker process finished these messages (one of ours, or another `run`'s):
        answer whoever waits for them (the outbox hears of replies through the event bus)."""
        if ours:
            self._metrics.processed.inc(len(message_ids))
        for message_id in message_ids:
            self._done(message_id)

    async def wait_processed(self, message_id: int, timeout: float) -> bool:
        """Waits until the message has been through the pipeline; False on timeout.

        Another process may be the one working on it, so the database is asked as well as
        the local event.
        """
        event = self._waiters.setdefault(message_id, asyncio.Event())
        deadline = time.monotonic() + timeout
        try:
            while True:
                if message_id not in self._inflight:
                    row = await self._db.read(message_store.load_message, message_id)
                    if row is None or row.stage in message_store.SETTLED:
                        return row is not None
                    if self.dispatch is None:
                        self._enqueue(message_id)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                # Queued here, only the event can tell; otherwise look at the database again.
                patience = remaining if message_id in self._inflight else min(remaining, 0.5)
                try:
                    await asyncio.wait_for(event.wait(), patience)
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
        return await self._db.read(message_store.message_result, message_id, self._tickets)

    async def resume(self) -> int:
        """Queues every message not yet through the pipeline; returns how many."""
        if self.dispatch is not None:
            return 0  # the worker processes claim them
        pending = await self._db.read(message_store.pending_message_ids)
        for message_id in pending:
            self._enqueue(message_id)
        if pending:
            log.info("resuming %d messages left half-done", len(pending))
        return len(pending)

    @property
    def queued(self) -> int:
        """Messages waiting for a worker in this process."""
        return self._queue.qsize()

    async def drain(self, timeout: float) -> bool:
        """Waits for the queued messages to be processed; False if time ran out."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
            return True
        except TimeoutError:
            return False

    async def run_worker(self) -> None:
        """Takes what is queued, up to a batch, and processes it; survives any failure."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH_SIZE and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self.process_batch(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The messages stay stored and are retried by the sweep; the worker lives on.
                self._metrics.errors.labels("pipeline").inc()
                log.exception("processing messages %s failed", batch)
            finally:
                for message_id in batch:
                    self._inflight.discard(message_id)
                    self._queue.task_done()

    async def sweep(self, interval: float = 10.0) -> None:
        """Re-queues stored messages nobody finished (a full queue, a failed step)."""
        while True:
            await asyncio.sleep(interval)
            try:
                for message_id in await self._db.read(message_store.pending_message_ids):
                    self._enqueue(message_id)
            except Exception:
                self._metrics.errors.labels("sweep").inc()
                log.exception("pipeline sweep failed")

    async def process_claimed(self, rows: list[Any]) -> None:
        """Processes messages a worker process claimed (rows with id, text, language_hint)."""
        for row in rows:
            self._fresh[int(row.id)] = (row.text, row.language_hint)
        await self.process_batch([int(row.id) for row in rows])

    async def process_batch(self, message_ids: list[int]) -> None:
        """Parses the messages together, then handles them in one transaction (falling back
        to one transaction each if the batch fails, so one bad message holds up no other)."""
        work = await self._texts(message_ids)
        if not work:
            return
        live = [i for i, (_, text, _) in enumerate(work) if text.strip()]
        results = await self._parser.parse_batch(
            [work[i][1] for i in live], [work[i][2] for i in live]
        )
        parsed: list[dict[str, Any]] = [{} for _ in work]
        for i, result in zip(live, results, strict=True):
            parsed[i] = result.to_dict()
        jobs = [(message_id, parsed[i]) for i, (message_id, _, _) in enumerate(work)]
        size = SQLITE_APPLY_CHUNK if self._db.is_sqlite else len(jobs)
        for start in range(0, len(jobs), size):
            chunk = jobs[start : start + size]
            for (message_id, _), outcome in zip(chunk, await self._apply(chunk), strict=True):
                self._finish(message_id, outcome)

    async def _apply(self, jobs: list[tuple[int, dict[str, Any]]]) -> list[Outcome | None]:
        try:
            return await self._db.write(self._apply_all, jobs, self._clock())
        except Exception:
            log.exception("batch of %d failed; handling its messages one by one", len(jobs))
        outcomes: list[Outcome | None] = []
        for job in jobs:
            try:
                (outcome,) = await self._db.write(self._apply_all, [job], self._clock())
                outcomes.append(outcome)
            except Exception as exc:
                self._metrics.errors.labels("pipeline").inc()
                log.exception("message %s failed", job[0])
                await self._count_failure(job[0], exc)
                outcomes.append(None)
        return outcomes

    async def _count_failure(self, message_id: int, exc: Exception) -> None:
        """One more failed attempt; at the limit the message is parked, so a message that
        can never succeed stops costing a retry every sweep."""
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        try:
            parked = await self._db.write(
                message_store.record_failure, message_id, error, self._max_attempts
            )
        except Exception:
            log.exception("could not count the failure of message %s", message_id)
            return
        if parked:
            self._metrics.messages_parked.inc()
            log.error(
                "message %s parked after %d failed attempts: %s",
                message_id,
                self._max_attempts,
                error,
            )

    async def retry(self, message_id: int, actor: str) -> bool:
        """A person's retry of a parked message; False if it was not parked."""
        if not await self._db.write(message_store.retry_parked, message_id, actor):
            return False
        if self.dispatch is None:
            self._enqueue(message_id)  # otherwise a worker process claims it
        return True

    def _apply_all(
        self, conn: Connection, jobs: list[tuple[int, dict[str, Any]]], now: datetime
    ) -> list[Outcome | None]:
        lock_batch(conn, [message_id for message_id, _ in jobs])  # see gateway.db.lock_order
        return [self._handler.apply(conn, message_id, parsed, now) for message_id, parsed in jobs]

    async def _texts(self, message_ids: list[int]) -> list[tuple[int, str, str | None]]:
        """Text and language hint of each message still to do, from memory where we can."""
        work, missing = [], []
        for message_id in message_ids:
            fresh = self._fresh.pop(message_id, None)
            if fresh is None:
                missing.append(message_id)  # resumed after a restart, or retried by the sweep
            else:
                work.append((message_id, *fresh))
        if missing:
            rows = await self._db.read(message_store.load_messages, missing)
            for row in rows:
                if row.stage in message_store.SETTLED:
                    self._done(row.id)
                else:
                    work.append((row.id, row.text, row.language_hint))
            for message_id in set(missing) - {r.id for r in rows}:
                self._done(message_id)
        return work

    def _finish(self, message_id: int, outcome: Outcome | None) -> None:
        if outcome is not None:
            self._metrics.processed.inc()
            if message_id in self._waiters:
                self._results[message_id] = message_store.intake_result(
                    message_id, outcome.ticket, outcome.reply_text
                )
            if outcome.opened_ticket and outcome.ticket is not None:
                self._metrics.tickets_opened.labels(
                    outcome.ticket.category, outcome.ticket.urgency
                ).inc()
        started = self._stored_at.pop(message_id, None)
        if started is not None:
            self._metrics.pipeline_latency.observe(time.perf_counter() - started)
        self._done(message_id)

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
