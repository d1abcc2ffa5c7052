"""What the pipeline needs from the ticket desk, so `gateway` never imports `handoff`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection


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
    text: str = ""


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


@dataclass(frozen=True, slots=True)
class SurveyAnswerOutcome:
    """A customer answered a follow-up survey; `reopened` when they were not satisfied."""

    ticket: TicketSummary
    score: int | None
    satisfied: bool
    reopened: bool


class TicketDesk(Protocol):
    def open_ticket(self, conn: Connection, request: TicketRequest, now: datetime) -> TicketSummary:
        """Numbers, grades, routes and records a new ticket inside the caller's transaction
        (the caller links the message to it)."""
        ...

    def add_customer_message(
        self, conn: Connection, ticket_id: int, message_id: int, now: datetime
    ) -> TicketSummary | None:
        """Records a follow-up message on an open ticket; None when the ticket is closed."""
        ...

    def find_for_customer(
        self, conn: Connection, customer_id: int, number: str | None
    ) -> TicketSummary | None:
        """The customer's ticket by number, or their newest one; never another customer's."""
        ...

    def hand_to_agent(
        self,
        conn: Connection,
        ticket_id: int,
        reason: str,
        now: datetime,
        *,
        only_if_staffed: bool = False,
    ) -> str | None:
        """Gives the ticket's conversation to a person: the bot stays silent in it from now on.
        Returns the agent it went to, or None when it waits in the department's queue.

        With `only_if_staffed`, a department without any agent in the policy keeps the bot:
        handing over there would leave the customer in silence.
        """
        ...

    def answer_survey(
        self, conn: Connection, conversation_id: int, message_id: int, text: str, now: datetime
    ) -> SurveyAnswerOutcome | None:
        """Records `text` as the answer to the conversation's open follow-up survey; None when
        there is no such survey or the text is not an answer."""
        ...

    def record_event(
        self,
        conn: Connection,
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

    async def parse_batch(
        self, texts: Sequence[str], language_hints: Sequence[str | None]
    ) -> Sequence[ParseResultLike]: ...
