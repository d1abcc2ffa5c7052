"""The event bus between processes over Redis pub/sub (`GATEWAY_REDIS_URL`).

Pub/sub delivers to every process subscribed at that moment and keeps nothing: events that
must not be lost are durable (written in their transaction and re-published from the
database), so Redis only has to make the others hear them at once. Each process skips the
events it sent itself, which its bus delivered locally already.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import AsyncIterator

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.events.base import Event
from gateway.events.catalog import MessageStored

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
        self._origin = f"{socket.gethostname()}-{os.getpid()}"

    async def send(self, events: list[Event]) -> None:
        # Stored messages reach the workers on the stream (`gateway.redis_link`): repeating
        # each on pub/sub would only make every process decode one more event per message.
        events = [e for e in events if not isinstance(e, MessageStored)]
        if not events:
            return
        # One pipeline: a group commit of hundreds of messages is one round trip, not hundreds.
        async with self._client.pipeline(transaction=False) as pipe:
            for event in events:
                payload = {"origin": self._origin, "event": event.to_dict()}
                pipe.publish(CHANNEL, json.dumps(payload, ensure_ascii=False))
            await pipe.execute()

    async def receive(self) -> AsyncIterator[Event]:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for item in pubsub.listen():
                        if item["type"] != "message":
                            continue
                        event = self._decode(item["data"])
                        if event is not None:
                            yield event
            except (RedisError, OSError) as exc:
                stopping_on(exc)
                log.warning("redis event channel lost (%s); reconnecting", exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def close(self) -> None:
        return None  # the client belongs to the process's `RedisLink`

    def _decode(self, data: bytes) -> Event | None:
        try:
            payload = json.loads(data)
            if payload.get("origin") == self._origin:
                return None
            return Event.from_dict(payload["event"])
        except Exception as exc:  # another version's event, or junk: never stop listening
            log.warning("an event from redis could not be read: %s", exc)
            return None
