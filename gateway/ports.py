"""What the pipeline needs from the ticket desk, so `gateway` never imports `handoff`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """A complaint the pipeline wants a ticket for."""

    message_id: int
    customer_id: int
    conversation_id: int
    channel: str
    language: str
    category: str
    urgency: str
    urgency_reasons: tuple[str, ...]
    entities: tuple[dict[str, Any], ...]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class TicketSummary:
    id: int
    number: str
    status: str
    category: str
    urgency: str
    severity: str
    department: str
    customer_id: int
    first_response_due: datetime
    resolution_due: datetime


class TicketDesk(Protocol):
    async def open_ticket(
        self, conn: AsyncConnection, request: TicketRequest, now: datetime
    ) -> TicketSummary:
        """Numbers, grades, routes and records a new ticket inside the caller's transaction."""
        ...

    async def add_customer_message(
        self, conn: AsyncConnection, ticket_id: int, message_id: int, now: datetime
    ) -> TicketSummary | None:
        """Attaches a follow-up message to an open ticket; None when the ticket is closed."""
        ...

    async def find_for_customer(
        self, conn: AsyncConnection, customer_id: int, number: str | None
    ) -> TicketSummary | None:
        """The customer's ticket by number, or their newest one; never another customer's."""
        ...

    async def record_event(
        self,
        conn: AsyncConnection,
        ticket_id: int,
        type_: str,
        actor: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None: ...


class ParseResultLike(Protocol):
    def to_dict(self) -> dict[str, Any]:
        """The contract's parse-result JSON object (`{}` for an empty message)."""
        ...


class Parser(Protocol):
    """The NLU as the pipeline uses it."""

    async def parse(self, text: str, *, language_hint: str | None = None) -> ParseResultLike: ...
