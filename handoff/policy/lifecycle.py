"""The ticket lifecycle: which status may follow which, and what each step sets.

new → assigned → in_progress → waiting_customer → resolved → closed, and reopened after a
resolution the customer did not accept. Waiting for the customer pauses the resolution
clock; resolving schedules the follow-up survey and gives the conversation back to the bot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import conversations
from gateway.events import StatusChanged
from handoff import ledger
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.deadlines import resumed_resolution_due
from handoff.schema import tickets

STATUSES = (
    "new",
    "assigned",
    "in_progress",
    "waiting_customer",
    "resolved",
    "closed",
    "reopened",
)
OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting_customer", "reopened")

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"assigned", "in_progress", "waiting_customer", "resolved", "closed"}),
    "assigned": frozenset({"new", "in_progress", "waiting_customer", "resolved", "closed"}),
    "in_progress": frozenset({"assigned", "waiting_customer", "resolved", "closed"}),
    "waiting_customer": frozenset({"in_progress", "resolved", "closed"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "reopened": frozenset({"assigned", "in_progress", "waiting_customer", "resolved", "closed"}),
}


class UnknownStatus(ValueError):
    pass


class IllegalTransition(ValueError):
    def __init__(self, current: str, wanted: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        super().__init__(f"a {current} ticket cannot become {wanted} (allowed: {allowed})")


def check_transition(current: str, wanted: str) -> None:
    if wanted not in STATUSES:
        raise UnknownStatus(f"unknown status {wanted!r}; one of {', '.join(STATUSES)}")
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(current, wanted)


def change_status(
    conn: Connection,
    ticket: Any,
    wanted: str,
    actor: str,
    now: datetime,
    calendar: BusinessCalendar,
    reason: str | None = None,
) -> dict[str, Any]:
    """Moves `ticket` (a full tickets row) to `wanted`; returns the columns it changed.

    Raises UnknownStatus or IllegalTransition without writing anything.
    """
    check_transition(ticket.status, wanted)
    values: dict[str, Any] = {"status": wanted, "updated_at": now}
    if ticket.status == "waiting_customer" and ticket.waiting_since is not None:
        values["resolution_due"] = resumed_resolution_due(
            ticket.resolution_due, ticket.waiting_since, now, calendar
        )
        values["waiting_since"] = None
    if wanted == "waiting_customer":
        values["waiting_since"] = now
    elif wanted == "resolved":
        values["resolved_at"] = now
    elif wanted == "closed":
        values["closed_at"] = now
    elif wanted == "reopened":
        values.update(resolved_at=None, closed_at=None, reopen_count=ticket.reopen_count + 1)
    elif wanted == "new":
        values.update(assignee=None, assigned_at=None)  # back to the department's queue
    conn.execute(sa.update(tickets).where(tickets.c.id == ticket.id).values(**values))
    record_status_change(
        conn, ticket, wanted, actor, now, reason=reason, resolution_due=values.get("resolution_due")
    )
    if wanted in ("resolved", "closed"):
        # New messages start a new conversation turn with the bot (or answer the survey).
        conn.execute(
            sa.update(conversations)
            .where(
                conversations.c.id == ticket.conversation_id,
                conversations.c.ticket_id == ticket.id,
            )
            .values(ticket_id=None, handled_by="bot", updated_at=now)
        )
    elif wanted == "reopened":
        conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == ticket.conversation_id)
            .values(ticket_id=ticket.id, updated_at=now)
        )
    return values


def load_ticket(conn: Connection, number: str, *, lock: bool = True) -> Any:
    query = sa.select(tickets).where(tickets.c.number == number)
    return conn.execute(query.with_for_update() if lock else query).first()


def load_ticket_by_id(conn: Connection, ticket_id: int) -> Any:
    return conn.execute(
        sa.select(tickets).where(tickets.c.id == ticket_id).with_for_update()
    ).first()


def record_status_change(
    conn: Connection,
    ticket: Any,
    status: str,
    actor: str,
    now: datetime,
    *,
    reason: str | None = None,
    resolution_due: datetime | None = None,
) -> None:
    """The ledger line (and event) for `ticket` moving from its current status to `status`."""
    ledger.record(
        conn,
        StatusChanged(
            ticket_id=ticket.id,
            number=ticket.number,
            actor=actor,
            at=now,
            previous=ticket.status,
            status=status,
            reason=reason,
            resolution_due=resolution_due,
        ),
    )
