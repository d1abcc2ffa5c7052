"""The event bus between processes over Redis pub/sub (`GATEWAY_REDIS_URL`).

Pub/sub delivers to every process subscribed at that moment and keeps nothing: events that
must not be lost are durable (written in their transaction and re-published from the
database), so Redis only has to make the others hear them at once. Each process skips the
events it sent itself, which its bus delivered locally already.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.events.base import Event
from gateway.events.catalog import MessageStored
from gateway.events.envelope import open_envelope, seal, this_process

log = logging.getLogger(__name__)

CHANNEL = "cgw:events"
RETRY_SECONDS = 1.0


def stopping_on(exc: BaseException) -> None:
    """Raises CancelledError when the task was cancelled: redis-py may turn a cancel that
    arrives while it reads into a connection error, and a listener that reconnected then
    would never end (a shutdown waiting for it hangs)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


class RedisTransport:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._origin = this_process()

    async def send(self, events: list[Event]) -> None:
        # Stored messages reach the workers on the stream (`gateway.redis_link`): repeating
        # each on pub/sub would only make every process decode one more event per message.
        events = [e for e in events if not isinstance(e, MessageStored)]
        if not events:
            return
        # One pipeline: a group commit of hundreds of messages is one round trip, not hundreds.
        async with self._client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(CHANNEL, seal(self._origin, event))
            await pipe.execute()

    async def receive(self) -> AsyncIterator[Event]:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for item in pubsub.listen():
                        if item["type"] != "message":
                            continue
                        event = open_envelope(item["data"], self._origin)
                        if event is not None:
                            yield event
            except (RedisError, OSError) as exc:
                stopping_on(exc)
                log.warning("redis event channel lost (%s); reconnecting", exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def close(self) -> None:
        return None  # the client belongs to the process's `RedisLink`
