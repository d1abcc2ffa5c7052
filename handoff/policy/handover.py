"""Who answers a chat: handing it to an agent, an agent taking it over or giving it back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import conversations
from handoff import ledger
from handoff.policy import routing
from handoff.policy.notify import agent_audience, notify
from handoff.policy.opening import SYSTEM_ACTOR
from handoff.policy.policy import Policy


def hand_to_agent(
    conn: Connection,
    ticket: Any,
    policy: Policy,
    reason: str,
    now: datetime,
    *,
    only_if_staffed: bool = False,
) -> str | None:
    """Gives the ticket's chat to a person: its agent, or one routing picks now; returns who,
    or None when nobody can take it (supervisors hear of a chat waiting). With
    `only_if_staffed` a department without agents keeps the bot, noted in the ledger."""
    ticket_id = ticket.id
    if only_if_staffed and not policy.agents_of(ticket.department):
        ledger.append(
            conn,
            ticket_id,
            "handover_skipped",
            SYSTEM_ACTOR,
            {"reason": reason, "why": f"no agents in {ticket.department}"},
            now,
        )
        return None
    conn.execute(
        sa.update(conversations)
        .where(conversations.c.id == ticket.conversation_id)
        .values(handled_by="agent", updated_at=now)
    )
    ledger.append(conn, ticket_id, "handed_to_agent", SYSTEM_ACTOR, {"reason": reason}, now)
    if ticket.assignee is None:
        agent = routing.choose_agent(
            conn, policy, ticket.department, ticket.language, ticket.category
        )
        if agent is None:
            notify(
                conn,
                "supervisors",
                "chat_waiting",
                {"number": ticket.number, "department": ticket.department, "reason": reason},
                now,
                ticket_id,
            )
            return None
        routing.assign(conn, ticket, agent, SYSTEM_ACTOR, reason, now)
        return agent
    notify(
        conn,
        agent_audience(ticket.assignee),
        "chat_handed_over",
        {"number": ticket.number, "reason": reason},
        now,
        ticket_id,
    )
    return str(ticket.assignee)


def set_handler(conn: Connection, ticket: Any, handled_by: str, actor: str, now: datetime) -> None:
    """Takes a chat from the bot ("agent") or gives it back ("bot")."""
    conn.execute(
        sa.update(conversations)
        .where(conversations.c.id == ticket.conversation_id)
        .values(handled_by=handled_by, updated_at=now)
    )
    event = "taken_over" if handled_by == "agent" else "handed_back"
    ledger.append(conn, ticket.id, event, actor, {"to": handled_by}, now)
    if handled_by == "agent" and ticket.assignee is None:
        routing.assign(conn, ticket, actor, actor, "took over the chat", now)
