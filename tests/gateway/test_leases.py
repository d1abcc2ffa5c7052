"""Leases with fencing (gateway/leases.py), on SQLite and PostgreSQL: one holder at a time,
and a holder paused past its expiry cannot act on the lease another took meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.db.schema import leases
from gateway.leases import Lease

TTL = timedelta(seconds=10)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await upgrade(db)
    yield db
    await db.dispose()


def _row(conn: Connection) -> sa.Row[tuple[str, int]]:
    return conn.execute(sa.select(leases.c.holder, leases.c.fence)).one()


async def test_one_holder_at_a_time_and_the_next_after_an_expiry_gets_a_new_fence(
    database: Database,
) -> None:
    clock = Clock()
    first, second = (Lease(database, "job", TTL, clock) for _ in range(2))
    assert await first.hold()
    assert not await second.hold()
    clock.now += TTL / 2
    assert await first.hold()  # renewed: good for another TTL from now
    clock.now += TTL / 2 + timedelta(seconds=1)
    assert not await second.hold()
    clock.now += TTL
    assert await second.hold()  # the first stopped renewing
    assert (first.fence, second.fence) == (1, 2)
    assert not await first.hold()  # its fence is outdated
    assert await database.read(_row) == (second.holder, 2)


async def test_a_holder_paused_past_its_lease_cannot_act_on_it(database: Database) -> None:
    clock = Clock()
    paused, other = (Lease(database, "mailbox", TTL, clock) for _ in range(2))
    assert await paused.hold()
    clock.now += TTL + timedelta(seconds=1)  # the holder was paused this long
    assert await other.hold()

    def act(conn: Connection, lease: Lease) -> bool:
        """An action guarded in its own transaction, as the mailbox checkpoint is."""
        if not lease.renew_in(conn, clock()):
            return False
        conn.execute(sa.update(leases).values(holder="acted: " + lease.holder))
        return True

    assert not await database.write(act, paused)  # woke up: the fence says no
    assert await database.read(_row) == (other.holder, 2)
    assert await database.write(act, other)
    await paused.release()  # releasing a lease it lost leaves the holder's alone
    assert (await database.read(_row)).fence == 2


async def test_a_released_lease_is_free_at_once(database: Database) -> None:
    clock = Clock()
    first, second = (Lease(database, "poll", TTL, clock) for _ in range(2))
    assert await first.hold()
    await first.release()
    assert await second.hold()
    assert second.fence == 2
