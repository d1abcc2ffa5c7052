"""What the handling policy hands the desk: a complaint to open, a survey answer found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.ports import TicketSummary


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """A complaint that needs a ticket."""

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
class SurveyAnswerOutcome:
    """A customer answered a follow-up survey; `reopened` when they were not satisfied."""

    ticket: TicketSummary
    score: int | None
    satisfied: bool
    reopened: bool
