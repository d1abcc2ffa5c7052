"""Moving a ticket by hand: to a named agent, or to another department's queue.

Either way the ledger records who moved it from where to where, and whoever now holds it
is told on their console (the agent, or the department's supervisors when no agent of the
department has room).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from handoff import ledger
from handoff.policy import routing
from handoff.policy.lifecycle import record_status_change
from handoff.policy.notify import SUPERVISORS, notify
from handoff.policy.policy import Policy
from handoff.schema import tickets


class UnknownTarget(ValueError):
    """No such agent or department in the policy."""


def transfer(
    conn: Connection,
    policy: Policy,
    ticket: Any,
    actor: str,
    now: datetime,
    *,
    agent: str | None = None,
    department: str | None = None,
) -> None:
    """`ticket` is the locked row. An agent takes it whatever their load (a person chose
    them); a department gets it in its queue and routing picks an agent with room."""
    if agent is not None:
        known = {a.name: a for a in policy.agents}
        if agent not in known:
            raise UnknownTarget(f"no agent {agent!r} in the policy")
        _move(conn, ticket, known[agent].department, actor, now)
        routing.assign(conn, ticket, agent, actor, "transfer", now)
        return
    if department is None or department not in policy.departments:
        raise UnknownTarget(f"no department {department!r} in the policy")
    _move(conn, ticket, department, actor, now)
    status = "new" if ticket.status == "assigned" else ticket.status
    conn.execute(
        sa.update(tickets)
        .where(tickets.c.id == ticket.id)
        .values(assignee=None, assigned_at=None, status=status, updated_at=now)
    )
    if ticket.assignee is not None:
        ledger.append(conn, ticket.id, "unassigned", actor, {"from": ticket.assignee}, now)
    if status != ticket.status:
        record_status_change(conn, ticket, status, actor, now)
    chosen = routing.choose_agent(conn, policy, department, ticket.language, ticket.category)
    if chosen is not None:
        moved = conn.execute(sa.select(tickets).where(tickets.c.id == ticket.id)).one()
        routing.assign(conn, moved, chosen, actor, "transfer", now)
    else:
        notify(
            conn,
            SUPERVISORS,
            "ticket_transferred",
            {"number": ticket.number, "department": department},
            now,
            ticket.id,
        )


def _move(conn: Connection, ticket: Any, department: str, actor: str, now: datetime) -> None:
    if department == ticket.department:
        return
    conn.execute(
        sa.update(tickets)
        .where(tickets.c.id == ticket.id)
        .values(department=department, updated_at=now)
    )
    ledger.append(
        conn,
        ticket.id,
        "transferred",
        actor,
        {"from": ticket.department, "to": department},
        now,
    )
