"""SLA escalation and reassignment: what the monitor checks on every open ticket.

A ticket is "at risk" once the policy's share of a target's time has passed (80 % by
default) and "breached" once the deadline has; each step is taken once (the `escalation`
column only rises), recorded in the ledger and sent to the supervisors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.events import SlaBreached
from handoff import ledger
from handoff.policy import routing
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.lifecycle import OPEN_STATUSES
from handoff.policy.notify import alert_supervisors
from handoff.policy.policy import Policy
from handoff.schema import tickets

LEVELS = (None, "at_risk", "breached")
_DESCRIPTIONS = {"at_risk": "deadline close, not yet met", "breached": "deadline missed"}


def sla_level(ticket: Any, now: datetime, policy: Policy, calendar: BusinessCalendar) -> str | None:
    """How close the ticket is to missing a deadline it still has to meet; time is counted
    on the clock its target runs on (working hours, or every hour for a plain target)."""
    target = policy.sla.get(ticket.severity) or policy.sla["general"]
    clocks = []
    if ticket.first_responded_at is None:
        clocks.append((ticket.first_response_due, target.first_response_clock == "plain"))
    if ticket.status != "waiting_customer":  # waiting for the customer pauses resolution
        clocks.append((ticket.resolution_due, False))
    level = None
    for due, plain in clocks:
        if now > due:
            return "breached"
        if plain:
            total = (due - ticket.created_at).total_seconds() / 3600
            spent = (now - ticket.created_at).total_seconds() / 3600
        else:
            total = calendar.business_hours_between(ticket.created_at, due)
            spent = calendar.business_hours_between(ticket.created_at, now)
        if total > 0 and spent >= policy.escalation.at_risk_ratio * total:
            level = "at_risk"
    return level


def escalate(
    conn: Connection,
    policy: Policy,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    email_enabled: bool,
) -> int:
    """Escalates every open ticket whose SLA level rose; returns how many."""
    candidates = conn.execute(
        sa.select(tickets)
        .where(
            tickets.c.status.in_(OPEN_STATUSES),
            sa.or_(tickets.c.escalation.is_(None), tickets.c.escalation == "at_risk"),
        )
        .with_for_update(skip_locked=True)
    ).all()
    raised = 0
    for ticket in candidates:
        level = sla_level(ticket, now, policy, calendar)
        if level is None or LEVELS.index(level) <= LEVELS.index(ticket.escalation):
            continue
        conn.execute(sa.update(tickets).where(tickets.c.id == ticket.id).values(escalation=level))
        event = f"sla_{level}"
        ledger.record(
            conn,
            SlaBreached(
                ticket_id=ticket.id,
                number=ticket.number,
                actor="system",
                at=now,
                level=level,
                first_response_due=ticket.first_response_due,
                resolution_due=ticket.resolution_due,
                assignee=ticket.assignee,
            ),
        )
        alert_supervisors(
            conn,
            policy,
            ticket.department,
            event,
            f"Ticket {ticket.number}: {_DESCRIPTIONS[level]}",
            {"number": ticket.number, "assignee": ticket.assignee},
            now,
            ticket_id=ticket.id,
            email_enabled=email_enabled,
        )
        raised += 1
    return raised


def reassign_unanswered(conn: Connection, policy: Policy, now: datetime) -> int:
    """Gives tickets whose agent has not answered in time to another agent; returns how many."""
    cutoff = now - timedelta(minutes=policy.escalation.reassign_after_minutes)
    stale = conn.execute(
        sa.select(tickets)
        .where(
            tickets.c.status == "assigned",
            tickets.c.first_responded_at.is_(None),
            tickets.c.assigned_at < cutoff,
        )
        .with_for_update(skip_locked=True)
    ).all()
    moved = 0
    for ticket in stale:
        agent = routing.choose_agent(
            conn,
            policy,
            ticket.department,
            ticket.language,
            ticket.category,
            exclude={ticket.assignee},
        )
        if agent is not None:
            routing.assign(conn, ticket, agent, "system", "no answer in time", now)
            moved += 1
    return moved
