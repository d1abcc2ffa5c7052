"""Typed events: what happened, told to whoever subscribed, here and in other processes.

A step emits an event inside its transaction (`emit(conn, event)`); the relay publishes it
on the bus after commit; the bus calls this process's subscribers and hands the event to
its transport for the others.
"""

from gateway.events.base import Event
from gateway.events.bus import EventBus, LocalTransport, Transport
from gateway.events.catalog import (
    AgentTyping,
    MessageStored,
    OutboxQueued,
    SlaBreached,
    SpikeRaised,
    StaffReplied,
    StatusChanged,
    SurveyAnswered,
    TicketAssigned,
    TicketEvent,
    TicketOpened,
)
from gateway.events.durable import EventRelay, emit

__all__ = [
    "AgentTyping",
    "Event",
    "EventBus",
    "EventRelay",
    "LocalTransport",
    "MessageStored",
    "OutboxQueued",
    "SlaBreached",
    "SpikeRaised",
    "StaffReplied",
    "StatusChanged",
    "SurveyAnswered",
    "TicketAssigned",
    "TicketEvent",
    "TicketOpened",
    "Transport",
    "emit",
]
