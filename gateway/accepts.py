"""Group commit for the intake: messages that arrive while a store is being written are
stored together in the next transaction.

Under a flood this turns a commit (an fsync on SQLite, a round trip on PostgreSQL) per
message into one per group, so accepting never waits behind a queue of single writes.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.messages import InboundMessage
from gateway.store import messages as message_store

log = logging.getLogger(__name__)

#: Most messages in one transaction; more wait for the next one.
GROUP_LIMIT = 256

Stored = tuple[int, bool]


class GroupCommit:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._waiting: list[tuple[InboundMessage, asyncio.Future[Stored]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, message: InboundMessage) -> Stored:
        """Stores the message durably; returns its id and whether this call stored it."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_groups(), name="intake-group-commit")
        return await future

    async def _write_groups(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[:GROUP_LIMIT]
                del self._waiting[:GROUP_LIMIT]
                await self._write(group)
        finally:
            self._writer = None

    async def _write(self, group: list[tuple[InboundMessage, asyncio.Future[Stored]]]) -> None:
        batch = [message for message, _ in group]
        try:
            results = await self._db.write(message_store.store_inbound_many, batch, self._clock())
        except Exception as exc:
            if len(group) == 1:
                if not group[0][1].done():
                    group[0][1].set_exception(exc)
                return
            # One bad message must not fail the others: store them one by one.
            log.warning("a group of %d messages failed to store; storing one by one", len(group))
            for item in group:
                await self._write([item])
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result)


def _settle(future: asyncio.Future[Stored], result: Stored) -> None:
    # A caller that gave up (a closed request) left a done future; the message is stored.
    if not future.done():
        future.set_result(result)
