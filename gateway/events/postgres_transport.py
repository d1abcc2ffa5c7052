"""The event bus between processes over PostgreSQL LISTEN/NOTIFY, for several processes on
one PostgreSQL database without Redis.

Like Redis pub/sub, a notification reaches the processes listening at that moment and is
kept nowhere: it only wakes them early (an outbox for a queued reply, a worker for a stored
message). Whatever a process misses while its connection is down, its periodic look at the
database (`GATEWAY_POLL_SECONDS`) still finds, and durable events are re-published from the
database. Each process skips the notifications it sent itself, which its bus delivered
locally already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from gateway.events.base import Event
from gateway.events.envelope import open_envelope, seal, this_process

log = logging.getLogger(__name__)

CHANNEL = "cgw_events"
RETRY_SECONDS = 1.0
#: How often an idle listening connection is checked, so a dead one is replaced.
PING_SECONDS = 5.0
#: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
MAX_PAYLOAD = 7900


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (`postgresql+asyncpg://…`) as asyncpg's own DSN."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


class PostgresTransport:
    def __init__(self, database_url: str) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._origin = this_process()
        self._sender: asyncpg.Connection | None = None
        self._sending = asyncio.Lock()

    async def send(self, events: list[Event]) -> None:
        payloads = []
        for event in events:
            payload = seal(self._origin, event)
            if len(payload.encode()) <= MAX_PAYLOAD:
                payloads.append(payload)
            else:  # the others find what it is about at their next look at the database
                log.warning("event %s too large to notify; not sent", event.type_name())
        if not payloads:
            return
        async with self._sending:  # one connection, one statement at a time
            if self._sender is None or self._sender.is_closed():
                self._sender = await asyncpg.connect(self._dsn)
            try:
                # One statement for a whole group commit's events: one round trip.
                await self._sender.execute(
                    "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", CHANNEL, payloads
                )
            except (asyncpg.PostgresError, OSError):
                await self._drop_sender()
                raise

    async def receive(self) -> AsyncIterator[Event]:
        while True:
            try:
                async for event in self._listen():
                    yield event
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("postgresql notifications lost (%s); listening again", exc)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> AsyncIterator[Event]:
        heard: asyncio.Queue[str] = asyncio.Queue()

        def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            heard.put_nowait(payload)

        conn = await asyncpg.connect(self._dsn)
        try:
            await conn.add_listener(CHANNEL, on_notify)
            while True:
                try:
                    payload = await asyncio.wait_for(heard.get(), PING_SECONDS)
                except TimeoutError:
                    await conn.execute("SELECT 1")  # raises once the connection is gone
                    continue
                event = open_envelope(payload, self._origin)
                if event is not None:
                    yield event
        finally:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def _drop_sender(self) -> None:
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await self._sender.close(timeout=2)
            self._sender = None

    async def close(self) -> None:
        async with self._sending:
            await self._drop_sender()
