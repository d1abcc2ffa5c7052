"""Leases with fencing: one process at a time does a job (reads the Telegram long poll, or a
mailbox), and a process that lost its lease (paused past its expiry, cut off) cannot act on
it.

Each acquisition after an expiry raises the lease's fence by one. The holder renews with
the fence it got before every action; a renewal with an old fence fails, so the paused
process learns it lost the lease before it acts, not after. The database keeps the lease,
so it works the same on SQLite and on PostgreSQL, with or without Redis.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.db.schema import leases

#: An expiry long past: a released lease is free at once.
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)


class Lease:
    def __init__(self, database: Database, name: str, ttl: timedelta, clock: Clock) -> None:
        self.name = name
        self.holder = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.fence: int | None = None
        self._db = database
        self._ttl = ttl
        self._clock = clock

    async def hold(self) -> bool:
        """Renews the lease this holder has, or takes it if free or expired; False while
        another holder has it (or when ours was taken over)."""
        try:
            self.fence = await self._db.write(
                _hold, self.name, self.holder, self.fence, self._clock(), self._ttl
            )
        except IntegrityError:  # two processes created the lease row at once; the other won
            self.fence = None
        return self.fence is not None

    def renew_in(self, conn: Connection, now: datetime) -> bool:
        """Renews the lease inside the caller's transaction if this holder still has it,
        with its fence: the check goes in the same transaction as the action it guards
        (moving a mailbox checkpoint), so a holder that lost the lease rolls the action
        back. Never takes a free lease: that is `hold`'s job."""
        if self.fence is None:
            return False
        renewed = conn.execute(
            sa.update(leases)
            .where(
                leases.c.name == self.name,
                leases.c.holder == self.holder,
                leases.c.fence == self.fence,
                leases.c.expires_at > now,
            )
            .values(expires_at=now + self._ttl)
        )
        return bool(renewed.rowcount)

    async def release(self) -> None:
        if self.fence is not None:
            await self._db.write(_release, self.name, self.holder, self.fence)
            self.fence = None


def _hold(
    conn: Connection, name: str, holder: str, fence: int | None, now: datetime, ttl: timedelta
) -> int | None:
    row = conn.execute(sa.select(leases).where(leases.c.name == name).with_for_update()).first()
    if row is None:
        conn.execute(
            sa.insert(leases).values(name=name, holder=holder, fence=1, expires_at=now + ttl)
        )
        return 1
    ours = row.holder == holder and row.fence == fence and row.expires_at > now
    if ours:
        conn.execute(sa.update(leases).where(leases.c.name == name).values(expires_at=now + ttl))
        return fence
    if row.expires_at > now:
        return None  # another live holder; or ours expired and was taken: its fence moved on
    conn.execute(
        sa.update(leases)
        .where(leases.c.name == name)
        .values(holder=holder, fence=row.fence + 1, expires_at=now + ttl)
    )
    return int(row.fence) + 1


def _release(conn: Connection, name: str, holder: str, fence: int) -> None:
    conn.execute(
        sa.update(leases)
        .where(leases.c.name == name, leases.c.holder == holder, leases.c.fence == fence)
        .values(expires_at=RELEASED)
    )
