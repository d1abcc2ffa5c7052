"""Reopening a ticket (an unsatisfied survey, or staff): back to its agent when they can
take it, else routed anew, and the supervisors told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from handoff.policy import lifecycle, routing
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.notify import alert_supervisors
from handoff.policy.opening import SYSTEM_ACTOR
from handoff.policy.policy import Policy
from handoff.schema import tickets


def reopen(
    conn: Connection,
    ticket: Any,
    policy: Policy,
    calendar: BusinessCalendar,
    actor: str,
    reason: str,
    now: datetime,
    *,
    email_enabled: bool,
) -> None:
    """Reopens and routes back: to the same agent when they can take it, else anew."""
    lifecycle.change_status(conn, ticket, "reopened", actor, now, calendar, reason)
    reopened = _row(conn, ticket.id)
    previous = ticket.assignee
    agent = None
    if previous:
        agent = routing.choose_agent(
            conn,
            _only(policy, previous),
            reopened.department,
            reopened.language,
            reopened.category,
        )
    agent = agent or routing.choose_agent(
        conn, policy, reopened.department, reopened.language, reopened.category
    )
    conn.execute(
        sa.update(tickets).where(tickets.c.id == ticket.id).values(assignee=None, assigned_at=None)
    )
    if agent is not None:
        routing.assign(conn, _row(conn, ticket.id), agent, SYSTEM_ACTOR, "reopened", now)
    alert_supervisors(
        conn,
        policy,
        reopened.department,
        "ticket_reopened",
        f"Ticket {ticket.number} reopened: {reason}",
        {"number": ticket.number, "reason": reason},
        now,
        ticket_id=ticket.id,
        occurrence=f"{ticket.id}:{reopened.reopen_count}",
        email_enabled=email_enabled,
    )


def _row(conn: Connection, ticket_id: int) -> Any:
    return conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()


def _only(policy: Policy, agent: str) -> Policy:
    """The policy with one agent: to ask whether that agent can take a ticket back."""
    return policy.model_copy(update={"agents": [a for a in policy.agents if a.name == agent]})
