"""What the pipeline needs from the handling policy and the NLU, so `gateway` never imports
`handoff`: one call in (`Desk.handle`), one `Outcome` back, and ticket numbers and
summaries for the gateway's own answers (`TicketIndex`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection


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
    assignee: str | None = None
    #: The first-response promise as the acknowledgement states it.
    response_hours: float = 0.0
    business_hours: bool = False


@dataclass
class Outcome:
    """What the handling policy made of one message: the ticket it belongs to, the reply to
    queue (in `language`), and notes on why there is no ticket or no reply."""

    ticket: TicketSummary | None = None
    reply_text: str | None = None
    opened_ticket: bool = False
    language: str | None = None
    notes: list[str] = field(default_factory=list)


class Desk(Protocol):
    """The handling policy, as the pipeline reaches it: one call per message."""

    def handle(
        self, conn: Connection, message: Any, parsed: dict[str, Any], now: datetime
    ) -> Outcome:
        """Decides what the stored `message` (a messages row) means and records it (ticket,
        ledger, conversation) in the caller's transaction. `parsed` is the contract's parse
        result (`{}` for an empty message)."""
        ...


class TicketIndex(Protocol):
    """The handling policy's tickets as the gateway and the channels need them (ticket
    numbers on outbound messages, the intake and audit answers, a mail's ticket number, the
    chat's "agents online"), in the caller's transaction."""

    def numbers(self, conn: Connection, ticket_ids: Collection[int]) -> dict[int, str]:
        """Each found ticket's number by id."""
        ...

    def summaries(self, conn: Connection, ticket_ids: Collection[int]) -> dict[int, Any]:
        """Each found ticket's number, category, urgency, severity, department and status
        (as attributes) by id."""
        ...

    def owner(self, conn: Connection, number: str) -> Any | None:
        """The ticket's `conversation_id` and `customer_id` (as attributes); None: no such
        ticket."""
        ...

    def agents_online(self, conn: Connection) -> bool:
        """Whether any agent is online now."""
        ...

    def note(
        self,
        conn: Connection,
        ticket_id: int,
        type_: str,
        actor: str,
        data: dict[str, Any],
        at: datetime,
    ) -> None:
        """Adds a line to the ticket's ledger (a reply that could not be delivered)."""
        ...


class ParseResultLike(Protocol):
    def to_dict(self) -> dict[str, Any]:
        """The contract's parse-result JSON object (`{}` for an empty message)."""
        ...


class Parser(Protocol):
    """The NLU as the pipeline uses it."""

    async def parse(self, text: str, *, language_hint: str | None = None) -> ParseResultLike: ...

    async def parse_batch(
        self, texts: Sequence[str], language_hints: Sequence[str | None]
    ) -> Sequence[ParseResultLike]: ...
