"""The channel side of the gateway: what every channel's output must offer, and what its
input gets to work with.

A channel is one folder under `channels/` with an `inbound` and an `outbound` module and a
`setup(context)` function; `gateway.wiring` lists the channels that exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.events import EventBus
from gateway.messages import Delivery, InboundMessage, OutboundMessage
from gateway.metrics import Metrics
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


@dataclass
class ChannelSet:
    """The channels this process runs: their outputs by name."""

    outputs: dict[str, OutputChannel] = field(default_factory=dict)

    def add_output(self, name: str, output: OutputChannel) -> None:
        self.outputs[name] = output
