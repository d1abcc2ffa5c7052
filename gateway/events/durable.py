"""Events inside a transaction: delivered after it commits, never when it rolls back.

`emit(conn, event)` is the one call a step makes. A durable event is also a row of
`event_outbox` in the same transaction; the relay deletes the row once the event has been
published, and publishes again any row a crashed process left behind (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.clock import Clock
from gateway.db.engine import Database, after_commit
from gateway.db.schema import event_outbox
from gateway.events.base import Event
from gateway.events.bus import EventBus

log = logging.getLogger(__name__)

#: A row this old is not some live process's event on its way: publish it again.
STALE_AFTER = timedelta(seconds=60)


def emit(conn: Connection, event: Event) -> None:
    """Publishes `event` once the caller's transaction commits (durably, if its class is)."""
    row_id = None
    if event.durable:
        row_id = conn.scalar(
            sa.insert(event_outbox)
            .values(type=event.type_name(), payload=event.to_dict(), created_at=_at(event))
            .returning(event_outbox.c.id)
        )
    after_commit(conn, (event, row_id))


class EventRelay:
    """Publishes what committed transactions emitted, and owns the outbox rows' clean-up."""

    def __init__(self, database: Database, bus: EventBus, clock: Clock) -> None:
        self._db = database
        self._bus = bus
        self._clock = clock
        self._published: set[int] = set()
        database.on_commit = self.committed

    async def committed(self, pending: Iterable[Any]) -> None:
        pending = list(pending)
        await self._bus.publish_all([event for event, _ in pending])
        self._published.update(int(row_id) for _, row_id in pending if row_id is not None)

    async def flush(self) -> None:
        """Deletes the rows of events already published."""
        if self._published:
            done, self._published = self._published, set()
            try:
                await self._db.write(_delete, done)
            except Exception:
                self._published |= done
                raise

    async def republish_stale(self) -> int:
        """Publishes the events a crashed process committed but never published."""
        rows = await self._db.read(_stale, self._clock() - STALE_AFTER)
        for row in rows:
            try:
                event = Event.from_dict(row.payload)
            except Exception:
                log.exception("event_outbox row %s cannot be read; dropped", row.id)
            else:
                await self._bus.publish(event)
            self._published.add(int(row.id))
        await self.flush()
        return len(rows)

    async def run(self, interval: float = 1.0, stale_every: float = 30.0) -> None:
        """Cleans up every `interval`, looks for left-behind events every `stale_every`."""
        passes = max(1, round(stale_every / interval))
        tick = 0
        while True:
            try:
                if tick % passes == 0:
                    await self.republish_stale()
                else:
                    await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event relay pass failed; retrying")
            tick += 1
            await asyncio.sleep(interval)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()


def _at(event: Event) -> datetime:
    at = getattr(event, "at", None)
    if isinstance(at, datetime):
        return at
    return datetime.now(UTC)


def _delete(conn: Connection, ids: set[int]) -> None:
    conn.execute(sa.delete(event_outbox).where(event_outbox.c.id.in_(sorted(ids))))


def _stale(conn: Connection, before: datetime, limit: int = 500) -> list[sa.Row[Any]]:
    return list(
        conn.execute(
            sa.select(event_outbox)
            .where(event_outbox.c.created_at < before)
            .order_by(event_outbox.c.id)
            .limit(limit)
        )
    )
