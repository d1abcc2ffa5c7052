"""Routing: which agent takes a ticket, and handing tickets out as agents free up.

Among the department's agents who are online, speak the customer's language and take the
category, the least loaded below their capacity gets it; with none eligible the ticket
waits in the department's queue (no assignee). Candidates' presence rows are locked first
(PostgreSQL), so two processes assigning at once never push an agent past capacity.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.lock_order import routing_lock
from gateway.events import TicketAssigned
from handoff import ledger
from handoff.policy.lifecycle import record_status_change
from handoff.policy.notify import agent_audience, notify
from handoff.policy.policy import Agent, Policy
from handoff.schema import agent_presence, tickets

#: Statuses in which a ticket occupies its agent (counted against capacity).
ACTIVE_STATUSES = ("assigned", "in_progress", "waiting_customer", "reopened")
QUEUED_STATUSES = ("new", "reopened")
SEVERITY_ORDER = {"major": 0, "important": 1, "general": 2}
PRESENCE_STATES = ("online", "away", "offline")


# Built once: compiling a statement costs more than running it on SQLite.
_ONLINE_WITH_LOAD = (
    sa.select(agent_presence.c.name, sa.func.count(tickets.c.id))
    .select_from(
        agent_presence.outerjoin(
            tickets,
            sa.and_(
                tickets.c.assignee == agent_presence.c.name,
                tickets.c.status.in_(ACTIVE_STATUSES),
            ),
        )
    )
    .where(
        agent_presence.c.name.in_(sa.bindparam("names", expanding=True)),
        agent_presence.c.status == "online",
    )
    .group_by(agent_presence.c.name)
)
_LOCK_PRESENCE = (
    sa.select(agent_presence.c.name)
    .where(agent_presence.c.name.in_(sa.bindparam("names", expanding=True)))
    .order_by(agent_presence.c.name)
    .with_for_update()
)


def online_loads(conn: Connection, names: Collection[str]) -> dict[str, int]:
    """Open tickets of each of `names` who is online, in one round trip.

    On PostgreSQL their presence rows are locked first (after the routing lock, then in name
    order, so two processes never deadlock), which serialises capacity checks.
    """
    if not names:
        return {}
    params = {"names": sorted(names)}
    if conn.dialect.name == "postgresql":
        routing_lock(conn)  # see gateway.db.lock_order
        conn.execute(_LOCK_PRESENCE, params)
    return {row[0]: int(row[1]) for row in conn.execute(_ONLINE_WITH_LOAD, params)}


def loads(conn: Connection, names: Collection[str]) -> dict[str, int]:
    """Open tickets per agent, online or not."""
    if not names:
        return {}
    rows = conn.execute(
        sa.select(tickets.c.assignee, sa.func.count())
        .where(tickets.c.assignee.in_(sorted(names)), tickets.c.status.in_(ACTIVE_STATUSES))
        .group_by(tickets.c.assignee)
    )
    counts = {name: 0 for name in names}
    counts.update({row[0]: int(row[1]) for row in rows})
    return counts


def choose_agent(
    conn: Connection,
    policy: Policy,
    department: str,
    language: str,
    category: str,
    exclude: Collection[str] = (),
) -> str | None:
    """The least loaded eligible agent with room, or None (the ticket waits in the queue)."""
    candidates: dict[str, Agent] = {
        agent.name: agent
        for agent in policy.agents_of(department)
        if agent.speaks(language) and agent.takes(category) and agent.name not in exclude
    }
    load = online_loads(conn, candidates)
    with_room = [name for name in load if load[name] < candidates[name].capacity]
    if not with_room:
        return None
    # Least loaded first; relative load breaks ties so a bigger capacity takes more.
    return min(with_room, key=lambda n: (load[n], load[n] / candidates[n].capacity, n))


def assign(
    conn: Connection,
    ticket: Any,
    agent: str,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    """Gives `ticket` (a row with id, number, status, assignee) to `agent`, with its ledger
    event and a push to the agent's console."""
    status = "assigned" if ticket.status in QUEUED_STATUSES else ticket.status
    conn.execute(
        sa.update(tickets)
        .where(tickets.c.id == ticket.id)
        .values(assignee=agent, assigned_at=now, status=status, updated_at=now)
    )
    ledger.record(
        conn,
        TicketAssigned(
            ticket_id=ticket.id,
            number=ticket.number,
            actor=actor,
            at=now,
            previous=ticket.assignee,
            agent=agent,
            reason=reason,
            status=status,
        ),
    )
    if status != ticket.status:
        record_status_change(conn, ticket, status, actor, now)
    notify(
        conn,
        agent_audience(agent),
        "ticket_assigned",
        {"number": ticket.number, "reason": reason},
        now,
        ticket.id,
    )


def drain_queue(conn: Connection, policy: Policy, now: datetime, limit: int = 200) -> int:
    """Hands queued tickets to agents who have room, most severe and oldest first; returns
    how many were assigned."""
    queued = conn.execute(
        sa.select(
            tickets.c.id,
            tickets.c.number,
            tickets.c.status,
            tickets.c.assignee,
            tickets.c.department,
            tickets.c.language,
            tickets.c.category,
            tickets.c.severity,
        )
        .where(tickets.c.assignee.is_(None), tickets.c.status.in_(QUEUED_STATUSES))
        .order_by(tickets.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    assigned = 0
    for ticket in sorted(queued, key=lambda t: (SEVERITY_ORDER.get(t.severity, 3), t.id)):
        agent = choose_agent(conn, policy, ticket.department, ticket.language, ticket.category)
        if agent is not None:
            assign(conn, ticket, agent, "system", "queue", now)
            assigned += 1
    return assigned


def set_presence(conn: Connection, name: str, status: str, now: datetime) -> None:
    if status not in PRESENCE_STATES:
        raise ValueError(f"status must be one of {', '.join(PRESENCE_STATES)}")
    updated = conn.execute(
        sa.update(agent_presence)
        .where(agent_presence.c.name == name)
        .values(status=status, updated_at=now)
    )
    if not updated.rowcount:
        conn.execute(sa.insert(agent_presence).values(name=name, status=status, updated_at=now))


def presence(conn: Connection) -> dict[str, str]:
    return {row.name: row.status for row in conn.execute(sa.select(agent_presence))}
