"""The event bus: typed subscribers in this process, and one seam to other processes.

Shaped like aiogram's observers: a subscriber names the event classes it takes (a base
class takes all its subclasses) and is called with the event only. `publish` delivers here
and then hands the event to the transport; the transport's `receive` brings in the events
other processes published, which `run` delivers here.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar

from gateway.events.base import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E], Awaitable[None] | None]


class Transport(Protocol):
    """Carries events between processes (Redis in a scale-out deployment)."""

    async def send(self, event: Event) -> None:
        """Hands an event this process published to the other processes."""
        ...

    def receive(self) -> AsyncIterator[Event]:
        """The events other processes published, as they come; never this process's own."""
        ...


class LocalTransport:
    """One process: nothing to send, nothing to receive."""

    async def send(self, event: Event) -> None:
        return None

    async def receive(self) -> AsyncIterator[Event]:
        nothing: asyncio.Queue[Event] = asyncio.Queue()  # waits until cancelled
        while True:
            yield await nothing.get()


class EventBus:
    def __init__(self, transport: Transport | None = None) -> None:
        self.transport: Transport = transport or LocalTransport()
        self._subscribers: list[tuple[tuple[type[Event], ...], Handler[Any]]] = []
        self._unsent = 0  # events the transport refused since it last worked

    def subscribe(self, handler: Handler[E], *event_types: type[E]) -> None:
        """Calls `handler(event)` (a function or a coroutine function) for every event that
        is an instance of one of `event_types`, in the order subscribers were added."""
        if not event_types:
            raise TypeError("subscribe to at least one event type")
        self._subscribers.append((event_types, handler))

    async def publish(self, event: Event) -> None:
        """Delivers in this process, then sends to the others."""
        await self.deliver(event)
        try:
            await self.transport.send(event)
        except Exception:
            # Once per outage, not once per event: hundreds of identical tracebacks a second
            # hid everything else in the log while Redis was away.
            if not self._unsent:
                log.exception(
                    "sending %s to other processes failed; quiet until it works again",
                    event.type_name(),
                )
            self._unsent += 1
            return
        if self._unsent:
            log.warning("sending to other processes works again; %d were not sent", self._unsent)
            self._unsent = 0

    async def publish_all(self, events: list[Event]) -> None:
        for event in events:
            await self.publish(event)

    async def deliver(self, event: Event) -> None:
        """Calls this process's subscribers; one failing never keeps the event from the rest."""
        for event_types, handler in self._subscribers:
            if not isinstance(event, event_types):
                continue
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("subscriber %r failed on %s", handler, event.type_name())

    async def run(self) -> None:
        """Delivers what other processes publish, until cancelled."""
        async for event in self.transport.receive():
            await self.deliver(event)
