"""The ticket ledger: append-only events, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.events import TicketEvent, emit
from handoff.schema import ticket_events


def record(conn: Connection, event: TicketEvent) -> None:
    """Writes a typed ticket event as its ledger line and publishes it after commit."""
    append(conn, event.ticket_id, event.ledger_name(), event.actor, event.ledger_data(), event.at)
    emit(conn, event)


def append(
    conn: Connection,
    ticket_id: int,
    type_: str,
    actor: str,
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Records one step of a ticket that no subscriber needs as an event (routed, handed to
    an agent, a note): what happened, who did it, when, with its details."""
    conn.execute(
        sa.insert(ticket_events).values(
            ticket_id=ticket_id, type=type_, actor=actor, at=at, data=data
        )
    )
