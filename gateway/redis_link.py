"""Redis between gateway processes: a stream carries stored message ids to pipeline
workers, pub/sub tells every process what was finished and whose chat reply is waiting.

The database stays the source of truth. An id is added to the stream only after its
message is committed, and acknowledged only after its ticket transaction committed; an
entry a dead worker held is claimed by another after the visibility timeout (XAUTOCLAIM).
Whatever Redis loses (a restart without persistence, an XADD while it was down) the
workers' sweep finds in the database, and a worker's claim on a message keeps a duplicate
entry from being processed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError, ResponseError

from gateway.events.redis_transport import stopping_on

log = logging.getLogger(__name__)

STREAM = "cgw:stored"
GROUP = "pipeline"
FINISHED = "cgw:finished"
PARKED = "cgw:parked"
#: Keeps the stream bounded; acknowledged entries are the only ones trimmed in practice.
STREAM_MAXLEN = 100_000
RETRY_SECONDS = 1.0


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisLink:
    def __init__(self, url: str) -> None:
        self.client: redis.Redis = redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._to_add: list[int] = []
        self._adder: asyncio.Task[None] | None = None
        self._group_ready = False

    # --- the web side -------------------------------------------------------------------

    def stored(self, message_id: int) -> None:
        """Adds the id to the stream soon (committed already); a failure only slows it:
        the sweep finds the message in the database."""
        self._to_add.append(message_id)
        if self._adder is None:
            self._adder = asyncio.create_task(self._add_all(), name="redis-xadd")

    async def _add_all(self) -> None:
        try:
            while self._to_add:
                ids, self._to_add = self._to_add, []
                try:
                    async with self.client.pipeline(transaction=False) as pipe:
                        for message_id in ids:
                            pipe.xadd(
                                STREAM, {"id": message_id}, maxlen=STREAM_MAXLEN, approximate=True
                            )
                        await pipe.execute()
                except RedisError as exc:
                    log.warning("redis: %d ids not added (%s); the sweep takes them", len(ids), exc)
        finally:
            self._adder = None

    async def publish_finished(self, message_ids: list[int]) -> None:
        with contextlib.suppress(RedisError):
            await self.client.publish(FINISHED, " ".join(map(str, message_ids)))

    async def publish_parked(self, channel: str, conversation_key: str) -> None:
        with contextlib.suppress(RedisError):
            await self.client.publish(PARKED, json.dumps([channel, conversation_key]))

    async def listen(
        self,
        on_finished: Callable[[list[int]], None],
        on_parked: Callable[[str, str], Any],
    ) -> None:
        """Hears the other processes until cancelled, reconnecting after Redis went away."""
        while True:
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(FINISHED, PARKED)
                    async for item in pubsub.listen():
                        if item["type"] != "message":
                            continue
                        data = item["data"].decode()
                        if item["channel"] == FINISHED.encode():
                            on_finished([int(i) for i in data.split()])
                        else:
                            channel, key = json.loads(data)
                            await on_parked(channel, key)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                stopping_on(exc)
                log.warning("redis pub/sub lost (%s); reconnecting", exc)
                await asyncio.sleep(RETRY_SECONDS)

    # --- the worker side ----------------------------------------------------------------

    async def read_work(self, consumer: str, count: int, block_ms: int) -> list[tuple[str, int]]:
        """New entries for this consumer: (entry id, message id)."""
        await self._ensure_group()
        try:
            answer: Any = await self.client.xreadgroup(
                GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False  # Redis restarted empty: make the group again
            return []
        return [(e.decode(), int(f[b"id"])) for _, entries in answer or () for e, f in entries]

    async def claim_stale(self, consumer: str, idle_ms: int, count: int) -> list[tuple[str, int]]:
        """Entries another consumer took and did not acknowledge within `idle_ms`."""
        await self._ensure_group()
        try:
            _, entries, *_ = await self.client.xautoclaim(
                STREAM, GROUP, consumer, idle_ms, "0-0", count=count
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False
            return []
        return [(e.decode(), int(f[b"id"])) for e, f in entries if f]

    async def ack(self, entry_ids: list[str]) -> None:
        if entry_ids:
            await self.client.xack(STREAM, GROUP, *entry_ids)

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self.client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def stream_figures(self) -> tuple[int, dict[str, int]]:
        """The group's lag (entries not yet delivered) and entries pending per consumer."""
        await self._ensure_group()
        groups = await self.client.xinfo_groups(STREAM)
        lag = next((int(g.get("lag") or 0) for g in groups if g["name"] == GROUP.encode()), 0)
        pending = await self.client.xpending(STREAM, GROUP)
        per_consumer = {c["name"].decode(): int(c["pending"]) for c in pending["consumers"]}
        return lag, per_consumer

    async def close(self) -> None:
        await self.client.aclose()
