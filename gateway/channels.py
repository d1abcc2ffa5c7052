"""The channel side of the gateway: what every channel's output must offer, what its
input gets to work with, and the registry of the channels that exist.

A channel is one folder under `channels/` with an `inbound` and an `outbound` module and a
`CHANNEL` record (`Channel`): its name, its setup, whether it is a live chat, how its
conversation keys are built, its own tables. `gateway.wiring` lists the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from aiohttp import web

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.events import EventBus
from gateway.messages import Delivery, InboundMessage, OutboundMessage
from gateway.metrics import Metrics
from gateway.ports import TicketIndex
from gateway.settings import Settings


class OutputChannel(Protocol):
    """Sends one outbound message on its channel and says how it went."""

    async def send(self, message: OutboundMessage) -> Delivery: ...


class Intake(Protocol):
    """The pipeline as a channel's input sees it."""

    async def accept(self, message: InboundMessage) -> tuple[int, bool]:
        """Stores the message (once per idempotency key); returns its id and whether it is new."""
        ...

    async def wait_processed(self, message_id: int, timeout: float) -> bool:
        """Waits up to `timeout` seconds for the message's ticket and reply."""
        ...

    async def result(self, message_id: int) -> dict[str, Any]:
        """The message's id, ticket summary (or None) and reply (or None)."""
        ...


class OutboxControl(Protocol):
    def wake(self) -> None:
        """Something was queued: send it now rather than at the next poll."""
        ...

    async def release(self, channel: str, conversation_key: str) -> None:
        """Sends what was kept for a recipient who has come back."""
        ...


@dataclass
class ChannelContext:
    """Everything a channel may use; given to each channel's `setup`."""

    settings: Settings
    database: Database
    clock: Clock
    intake: Intake
    outbox: OutboxControl
    metrics: Metrics
    app: web.Application
    #: Subscribe here to what happens (tickets opened, assigned, SLA breached, ...).
    events: EventBus
    #: Every channel this gateway knows, running here or not.
    registry: ChannelRegistry
    #: What a channel may ask of tickets (a number's conversation, agents online).
    tickets: TicketIndex


@dataclass
class ChannelSet:
    """The channels this process runs: their outputs by name."""

    outputs: dict[str, OutputChannel] = field(default_factory=dict)

    def add_output(self, name: str, output: OutputChannel) -> None:
        self.outputs[name] = output


ChannelSetup = Callable[[ChannelContext, ChannelSet], None]


@dataclass(frozen=True)
class Channel:
    """One channel's facts, in one record: a new channel is one folder and one line."""

    name: str
    #: Adds the channel's routes, readers and output when its settings turn it on.
    setup: ChannelSetup
    #: The one builder of this channel's conversation keys (the channel's own arguments).
    conversation_key: Callable[..., str]
    #: The customer waits live (a chat): an urgent complaint there goes to a person at once.
    live_chat: bool = False
    #: The channel's own tables, on the gateway's `MetaData` (and in its migrations).
    schema: tuple[sa.Table, ...] = ()


class ChannelRegistry:
    """The channels by name, in the order they are set up."""

    def __init__(self, channels: Iterable[Channel]) -> None:
        self._channels = {c.name: c for c in channels}

    def __getitem__(self, name: str) -> Channel:
        return self._channels[name]

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels.values())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._channels)

    @property
    def live_chats(self) -> frozenset[str]:
        return frozenset(c.name for c in self if c.live_chat)
