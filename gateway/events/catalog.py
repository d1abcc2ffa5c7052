"""The events of the gateway and the handling policy.

A ticket event is also a line of the ticket's ledger: `ledger_type` and `ledger_data` say
how it reads there (the names and data the ticket JSON has always shown), so the ledger
row and the event are written by one call, `handoff.ledger.record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from gateway.events.base import Event

# --- intake and outbox: facts the database already keeps, so nothing to make durable ---


@dataclass(frozen=True, kw_only=True)
class MessageStored(Event):
    """A channel's message is stored (its first time); the pipeline will handle it."""

    message_id: int
    channel: str
    conversation_key: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class OutboxQueued(Event):
    """A message waits in the outbox: its worker need not wait for the next poll."""

    outbox_id: int
    channel: str
    conversation_key: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class AgentTyping(Event):
    """An agent is writing to a chat customer: shown on the customer's open sockets, in
    whichever process holds them, and forgotten (nothing stored, so not durable)."""

    channel: str
    conversation_key: str
    author: str


# --- ticket events: each one a ledger line, durable ---


@dataclass(frozen=True, kw_only=True)
class TicketEvent(Event):
    durable: ClassVar[bool] = True
    ledger_type: ClassVar[str] = ""

    ticket_id: int
    actor: str
    at: datetime

    def ledger_name(self) -> str:
        return self.ledger_type

    def ledger_data(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class TicketOpened(TicketEvent):
    ledger_type: ClassVar[str] = "opened"

    number: str
    message_id: int
    channel: str
    category: str
    urgency: str
    urgency_reasons: tuple[str, ...]
    severity: str
    department: str

    def ledger_data(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "channel": self.channel,
            "category": self.category,
            "urgency": self.urgency,
            "urgency_reasons": list(self.urgency_reasons),
            "severity": self.severity,
            "to": "new",
        }


@dataclass(frozen=True, kw_only=True)
class TicketAssigned(TicketEvent):
    ledger_type: ClassVar[str] = "assigned"

    number: str
    previous: str | None
    agent: str
    reason: str
    status: str

    def ledger_data(self) -> dict[str, Any]:
        return {
            "from": self.previous,
            "to": self.agent,
            "reason": self.reason,
            "status": self.status,
        }


@dataclass(frozen=True, kw_only=True)
class StatusChanged(TicketEvent):
    ledger_type: ClassVar[str] = "status_changed"

    number: str
    previous: str
    status: str
    reason: str | None = None
    #: Set when the resolution deadline moved (the customer answered a waiting ticket).
    resolution_due: datetime | None = None

    def ledger_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"from": self.previous, "to": self.status}
        if self.reason:
            data["reason"] = self.reason
        if self.resolution_due is not None:
            data["resolution_due"] = self.resolution_due.isoformat()
        return data


@dataclass(frozen=True, kw_only=True)
class StaffReplied(TicketEvent):
    """A staff member's reply is in the outbox (the actor is who wrote it)."""

    ledger_type: ClassVar[str] = "staff_reply"

    outbox_id: int

    def ledger_data(self) -> dict[str, Any]:
        return {"outbox_id": self.outbox_id}


@dataclass(frozen=True, kw_only=True)
class SurveyAnswered(TicketEvent):
    ledger_type: ClassVar[str] = "survey_answered"

    score: int | None
    satisfied: bool
    message_id: int

    def ledger_data(self) -> dict[str, Any]:
        return {"score": self.score, "satisfied": self.satisfied, "message_id": self.message_id}


@dataclass(frozen=True, kw_only=True)
class SlaBreached(TicketEvent):
    """A ticket's SLA level rose: `at_risk` (most of the time spent) or `breached`."""

    number: str
    level: str
    first_response_due: datetime
    resolution_due: datetime
    assignee: str | None

    def ledger_name(self) -> str:
        return f"sla_{self.level}"

    def ledger_data(self) -> dict[str, Any]:
        return {
            "first_response_due": self.first_response_due.isoformat(),
            "resolution_due": self.resolution_due.isoformat(),
            "assignee": self.assignee,
        }


# --- figures ---


@dataclass(frozen=True, kw_only=True)
class SpikeRaised(Event):
    """Complaints of one category, product or order batch rose past what chance explains."""

    durable: ClassVar[bool] = True

    dimension: str
    value: str
    observed: int
    expected: float
    p_value: float
    at: datetime
