"""The outbox worker: sends queued rows through their channel, retrying with backoff.

Delivery is at least once towards the channel and, as the customer sees it, once: each row
carries a stable id the channel uses to drop a repeat (web chat frames carry it, email uses
it for the Message-ID), and a row is never queued twice for the same reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from gateway.channels import OutputChannel
from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.events import OutboxQueued
from gateway.messages import Choice, Delivery, OutboundMessage
from gateway.metrics import Metrics
from gateway.ports import TicketIndex
from gateway.settings import Settings
from gateway.store import outbox as rows

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 50


class OutboxWorker:
    def __init__(
        self,
        database: Database,
        outputs: Mapping[str, OutputChannel],
        settings: Settings,
        metrics: Metrics,
        clock: Clock,
        tickets: TicketIndex,
        poll_interval: float = 0.5,
    ) -> None:
        self._db = database
        self._tickets = tickets
        self._outputs = outputs
        self._settings = settings
        self._metrics = metrics
        self._clock = clock
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._next_backlog_count = 0.0
        #: Told (channel, conversation key) of each reply parked because its recipient is
        #: not connected here: with Redis, the process holding the connection sends it.
        self.park_listeners: list[Callable[[str, str], None]] = []

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wakeup.set()

    def on_queued(self, event: OutboxQueued) -> None:
        """Subscribed to the bus: a committed transaction queued a row."""
        self._wakeup.set()

    async def release(self, channel: str, conversation_key: str) -> None:
        """Sends a recipient's parked rows from this process, which holds their connection
        (another process would only park them again)."""
        claimed, numbers = await self._db.write(self._claim_parked, channel, conversation_key)
        if claimed:
            results = [await self._send(r, numbers) for r in claimed]  # in order
            # Parked again (the socket closed meanwhile): the next reconnect releases it.
            await self._db.write(self._record_all, list(zip(claimed, results, strict=True)))

    def holds(self, channel: str, conversation_key: str) -> bool:
        """Whether this process has the recipient's connection open (web chat)."""
        output = self._outputs.get(channel)
        holds = getattr(output, "holds", None)
        return bool(holds(conversation_key)) if holds is not None else False

    async def run(self) -> None:
        """Sends until cancelled; survives any error of a channel or the database."""
        while True:
            try:
                sent = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._metrics.errors.labels("outbox").inc()
                log.exception("outbox pass failed; retrying")
                sent = 0
            if sent < BATCH:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
                except TimeoutError:
                    pass
                self._wakeup.clear()

    async def send_due(self) -> int:
        """One pass: claims due rows and sends them; returns how many were claimed."""
        claimed, numbers = await self._db.write(self._claim, self._clock())
        if claimed:
            # Rows of one conversation never share a pass, so sending in parallel keeps order.
            results = await asyncio.gather(*(self._send(r, numbers) for r in claimed))
            done = list(zip(claimed, results, strict=True))
            await self._db.write(self._record_all, done)
            for row, delivery in done:
                if delivery.parked:
                    for listener in self.park_listeners:
                        listener(row.channel, row.conversation_key)
        if time.monotonic() >= self._next_backlog_count:
            self._next_backlog_count = time.monotonic() + 1.0  # a gauge needs no more
            self._metrics.outbox_backlog.set(await self._db.read(rows.backlog))
        return len(claimed)

    async def _send(self, row: Any, numbers: dict[int, str]) -> Delivery:
        output = self._outputs.get(row.channel)
        if output is None:
            return Delivery.later(f"channel {row.channel!r} is not running in this process")
        metadata = dict(row.metadata or {})
        message = OutboundMessage(
            id=int(row.id),
            channel=row.channel,
            conversation_key=row.conversation_key,
            recipient=row.recipient,
            text=row.text,
            kind=row.kind,
            ticket_number=numbers.get(row.ticket_id) if row.ticket_id else None,
            metadata=metadata,
            choices=tuple(Choice(c["label"], c["value"]) for c in metadata.get("choices", ())),
            language=metadata.get("language"),
            subject=metadata.get("subject"),
            author=row.author or "bot",
        )
        try:
            return await output.send(message)
        except Exception as exc:
            self._metrics.errors.labels(f"send_{row.channel}").inc()
            log.warning("send on %s failed: %s", row.channel, type(exc).__name__)
            return Delivery.later(f"{type(exc).__name__}: {exc}")

    def _record_all(self, conn: Connection, results: list[tuple[Any, Delivery]]) -> None:
        rows.mark_sent(
            conn, [(row.id, d.external_ref) for row, d in results if d.delivered], self._clock()
        )
        for row, delivery in results:
            if delivery.delivered:
                self._metrics.outbox_sent.labels(row.channel).inc()
            else:
                self._record_failure(conn, row, delivery)

    def _record_failure(self, conn: Connection, row: Any, delivery: Delivery) -> None:
        now = self._clock()
        if delivery.parked:
            rows.park(conn, row.id, delivery.error or "recipient not connected")
        elif delivery.retry and row.attempts < self._settings.outbox_max_attempts:
            delay = self.backoff(row.attempts, delivery.retry_after)
            rows.mark_retry(conn, row.id, now + timedelta(seconds=delay), delivery.error or "")
        else:
            rows.mark_failed(conn, row.id, delivery.error or "gave up")
            if row.ticket_id is not None:
                self._tickets.note(
                    conn,
                    row.ticket_id,
                    "delivery_failed",
                    f"channel:{row.channel}",
                    {"outbox_id": row.id, "kind": row.kind, "error": delivery.error},
                    now,
                )
            self._metrics.outbox_failed.labels(row.channel).inc()
            log.error(
                "outbox row %s on %s failed for good: %s", row.id, row.channel, delivery.error
            )

    def _claim_parked(
        self, conn: Connection, channel: str, conversation_key: str
    ) -> tuple[list[Any], dict[int, str]]:
        claimed = rows.claim_parked(conn, channel, conversation_key, self._clock(), LEASE)
        return claimed, self._tickets.numbers(conn, {r.ticket_id for r in claimed if r.ticket_id})

    def _claim(self, conn: Connection, now: datetime) -> tuple[list[Any], dict[int, str]]:
        claimed = rows.claim_due(conn, now, LEASE, BATCH)
        return claimed, self._tickets.numbers(conn, {r.ticket_id for r in claimed if r.ticket_id})

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter, never sooner than the channel asked for."""
        base = self._settings.outbox_base_delay_seconds * 2 ** max(attempts - 1, 0)
        delay = min(self._settings.outbox_max_delay_seconds, base) * random.uniform(0.8, 1.2)
        return max(delay, retry_after or 0.0)
