"""Tickets as the gateway and the channels need them (`gateway.ports.TicketIndex`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from handoff import ledger
from handoff.schema import agent_presence, tickets


class TicketIndex:
    def numbers(self, conn: Connection, ticket_ids: Collection[int]) -> dict[int, str]:
        if not ticket_ids:
            return {}
        result = conn.execute(
            sa.select(tickets.c.id, tickets.c.number).where(tickets.c.id.in_(ticket_ids))
        )
        return {int(r.id): r.number for r in result}

    def summaries(self, conn: Connection, ticket_ids: Collection[int]) -> dict[int, Any]:
        if not ticket_ids:
            return {}
        result = conn.execute(
            sa.select(
                tickets.c.id,
                tickets.c.number,
                tickets.c.category,
                tickets.c.urgency,
                tickets.c.severity,
                tickets.c.department,
                tickets.c.status,
            ).where(tickets.c.id.in_(ticket_ids))
        )
        return {int(r.id): r for r in result}

    def owner(self, conn: Connection, number: str) -> Any | None:
        return conn.execute(
            sa.select(tickets.c.conversation_id, tickets.c.customer_id).where(
                tickets.c.number == number
            )
        ).first()

    def agents_online(self, conn: Connection) -> bool:
        online = conn.scalar(
            sa.select(sa.func.count())
            .select_from(agent_presence)
            .where(agent_presence.c.status == "online")
        )
        return (online or 0) > 0

    def note(
        self,
        conn: Connection,
        ticket_id: int,
        type_: str,
        actor: str,
        data: dict[str, Any],
        at: datetime,
    ) -> None:
        ledger.append(conn, ticket_id, type_, actor, data, at)
