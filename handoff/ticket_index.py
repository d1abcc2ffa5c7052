"""Tickets as the gateway's own answers need them (`gateway.ports.TicketIndex`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from handoff import ledger
from handoff.schema import tickets


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
