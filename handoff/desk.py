"""The ticket desk: opens, updates and records tickets for the intake pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import ticket_events, tickets
from gateway.ports import TicketRequest, TicketSummary
from gateway.settings import Settings
from gateway.store import ledger
from handoff.numbering import next_ticket_number
from handoff.policy import deadlines, department_for, severity_for

OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting_customer", "reopened")
SYSTEM_ACTOR = "system"

_SUMMARY_COLUMNS = (
    tickets.c.id,
    tickets.c.number,
    tickets.c.status,
    tickets.c.category,
    tickets.c.urgency,
    tickets.c.severity,
    tickets.c.department,
    tickets.c.customer_id,
    tickets.c.first_response_due,
    tickets.c.resolution_due,
)


def _summary(row: Any) -> TicketSummary:
    return TicketSummary(
        id=int(row.id),
        number=row.number,
        status=row.status,
        category=row.category,
        urgency=row.urgency,
        severity=row.severity,
        department=row.department,
        customer_id=int(row.customer_id),
        first_response_due=row.first_response_due,
        resolution_due=row.resolution_due,
    )


class TicketDesk:
    """Implements `gateway.ports.TicketDesk` with the policy in `handoff.policy`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def open_ticket(self, conn: Connection, request: TicketRequest, now: datetime) -> TicketSummary:
        number = next_ticket_number(
            conn, self._settings.ticket_prefix, self._settings.zone, request.received_at
        )
        severity = severity_for(request.urgency, request.category)
        department = department_for(request.category, self._settings.departments)
        first_due, resolution_due = deadlines(
            request.received_at, self._settings.response_time(request.urgency)
        )
        ticket_id = conn.scalar(
            sa.insert(tickets)
            .values(
                number=number,
                status="new",
                category=request.category,
                urgency=request.urgency,
                severity=severity,
                language=request.language,
                channel=request.channel,
                department=department,
                customer_id=request.customer_id,
                conversation_id=request.conversation_id,
                created_at=request.received_at,
                updated_at=now,
                first_response_due=first_due,
                resolution_due=resolution_due,
            )
            .returning(tickets.c.id)
        )
        assert ticket_id is not None
        conn.execute(
            sa.insert(ticket_events),
            [
                _event(
                    ticket_id,
                    "opened",
                    SYSTEM_ACTOR,
                    now,
                    {
                        "message_id": request.message_id,
                        "channel": request.channel,
                        "category": request.category,
                        "urgency": request.urgency,
                        "urgency_reasons": list(request.urgency_reasons),
                        "severity": severity,
                        "to": "new",
                    },
                ),
                _event(
                    ticket_id,
                    "routed",
                    SYSTEM_ACTOR,
                    now,
                    {
                        "department": department,
                        "first_response_due": first_due.isoformat(),
                        "resolution_due": resolution_due.isoformat(),
                    },
                ),
            ],
        )
        return TicketSummary(
            id=int(ticket_id),
            number=number,
            status="new",
            category=request.category,
            urgency=request.urgency,
            severity=severity,
            department=department,
            customer_id=request.customer_id,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )

    def add_customer_message(
        self, conn: Connection, ticket_id: int, message_id: int, now: datetime
    ) -> TicketSummary | None:
        row = (conn.execute(sa.select(*_SUMMARY_COLUMNS).where(tickets.c.id == ticket_id))).first()
        if row is None or row.status not in OPEN_STATUSES:
            return None
        self.record_event(
            conn, ticket_id, "customer_message", "customer", {"message_id": message_id}, now
        )
        return _summary(row)

    def find_for_customer(
        self, conn: Connection, customer_id: int, number: str | None
    ) -> TicketSummary | None:
        query = sa.select(*_SUMMARY_COLUMNS).where(tickets.c.customer_id == customer_id)
        if number:
            query = query.where(tickets.c.number == number)
        row = (conn.execute(query.order_by(tickets.c.id.desc()).limit(1))).first()
        return _summary(row) if row else None

    def record_event(
        self,
        conn: Connection,
        ticket_id: int,
        type_: str,
        actor: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        ledger.append(conn, ticket_id, type_, actor, data, now)


def _event(
    ticket_id: int, type_: str, actor: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "type": type_, "actor": actor, "at": at, "data": data}
