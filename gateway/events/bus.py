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

    async def send(self, events: list[Event]) -> None:
        """Hands events this process published to the other processes, in order (a group
        commit's events go in one round trip)."""
        ...

    def receive(self) -> AsyncIterator[Event]:
        """The events other processes published, as they come; never this process's own."""
        ...

    async def close(self) -> None:
        """Lets go of what `send` holds (a connection)."""
        ...


class LocalTransport:
    """One process: nothing to send, nothing to receive."""

    async def send(self, events: list[Event]) -> None:
        return None

    async def receive(self) -> AsyncIterator[Event]:
        nothing: asyncio.Queue[Event] = asyncio.Queue()  # waits until cancelled
        while True:
            yield await nothing.get()

    async def close(self) -> None:
        return None


class EventBus:
    def __init__(self, transport: Transport | None = None) -> None:
        self.transport: Transport = transport or LocalTransport()
        self._subscribers: list[tuple[tuple[type[Event], ...], Handler[Any]]] = []
        self._outgoing: list[Event] = []
        self._sender: asyncio.Task[None] | None = None
        self._unsent = 0  # events the transport refused since it last worked

    def subscribe(self, handler: Handler[E], *event_types: type[E]) -> None:
        """Calls `handler(event)` (a function or a coroutine function) for every event that
        is an instance of one of `event_types`, in the order subscribers were added."""
        if not event_types:
            raise TypeError("subscribe to at least one event type")
        self._subscribers.append((event_types, handler))

    async def publish(self, event: Event) -> None:
        """Delivers in this process, then hands the event on to the others."""
        await self.publish_all([event])

    async def publish_all(self, events: list[Event]) -> None:
        """Delivers each event in this process, then hands them on to the others: sent in
        order, in the background, so whoever published (a group commit that acknowledges
        its messages next) never waits for the round trip; events published meanwhile go
        together in the next send."""
        for event in events:
            await self.deliver(event)
        self._outgoing.extend(events)
        if self._outgoing and self._sender is None:
            self._sender = asyncio.create_task(self._send_all(), name="event-send")

    async def flush(self) -> None:
        """Waits until what was published has been handed to the transport."""
        while self._sender is not None:
            await asyncio.shield(self._sender)

    async def _send_all(self) -> None:
        try:
            while self._outgoing:
                events, self._outgoing = self._outgoing, []
                try:
                    await self.transport.send(events)
                except Exception:
                    # Once per outage, not once per send: hundreds of identical tracebacks a
                    # second hid everything else in the log while Redis was away.
                    if not self._unsent:
                        log.exception(
                            "sending %s to other processes failed; quiet until it works again",
                            events[0].type_name(),
                        )
                    self._unsent += len(events)
                    continue
                if self._unsent:
                    log.warning(
                        "sending to other processes works again; %d were not sent", self._unsent
                    )
                    self._unsent = 0
        finally:
            self._sender = None

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

    async def close(self) -> None:
        await self.flush()
        await self.transport.close()
