"""Opening a complaint's ticket: its number, severity, department and deadlines, its first
ledger lines, its agent, and the supervisors' alert for a major complaint."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.events import TicketOpened
from gateway.settings import Settings
from handoff import ledger
from handoff.policy import routing
from handoff.policy.calendar import BusinessCalendar
from handoff.policy.deadlines import Deadlines, deadlines_for
from handoff.policy.notify import alert_supervisors
from handoff.policy.numbering import next_ticket_number
from handoff.policy.policy import Policy
from handoff.policy.requests import TicketRequest
from handoff.schema import tickets

SYSTEM_ACTOR = "system"


def open_ticket(
    conn: Connection,
    request: TicketRequest,
    now: datetime,
    *,
    settings: Settings,
    policy: Policy,
    calendar: BusinessCalendar,
) -> int:
    """Numbers, grades, dates and routes a new complaint's ticket, and tells supervisors of
    a major one; returns the ticket's id."""
    number = next_ticket_number(conn, settings.ticket_prefix, settings.zone, request.received_at)
    severity = policy.severity_for(request.urgency, request.category)
    department = policy.department_for(request.category)
    target = policy.sla[severity]
    due = deadlines_for(request.received_at, target, calendar)
    recounted_from: Deadlines | None = None
    if due.first_response_due < now:
        # A back-dated complaint (entered by staff after the fact) whose policy deadline
        # has passed: promising a time already gone helps nobody, so count from now.
        recounted_from, due = due, deadlines_for(now, target, calendar)
    order = next((e["value"] for e in request.entities if e.get("entity") == "order_number"), None)
    prefix_length = policy.spikes.order_prefix_length
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
            first_response_due=due.first_response_due,
            resolution_due=due.resolution_due,
            product=policy.product_in(request.text),
            order_prefix=str(order)[:prefix_length] if order and prefix_length else None,
        )
        .returning(tickets.c.id)
    )
    assert ticket_id is not None
    ledger.record(
        conn,
        TicketOpened(
            ticket_id=ticket_id,
            number=number,
            actor=SYSTEM_ACTOR,
            at=now,
            message_id=request.message_id,
            channel=request.channel,
            category=request.category,
            urgency=request.urgency,
            urgency_reasons=tuple(request.urgency_reasons),
            severity=severity,
            department=department,
        ),
    )
    ledger.append(
        conn,
        ticket_id,
        "routed",
        SYSTEM_ACTOR,
        {
            "department": department,
            "first_response_due": due.first_response_due.isoformat(),
            "resolution_due": due.resolution_due.isoformat(),
            "first_response_clock": target.first_response_clock,
        },
        now,
    )
    if recounted_from is not None:
        ledger.append(
            conn,
            ticket_id,
            "deadline_recounted",
            SYSTEM_ACTOR,
            {
                "why": "received_at is in the past and the policy's deadline has passed",
                "received_at": request.received_at.isoformat(),
                "policy_first_response_due": recounted_from.first_response_due.isoformat(),
                "first_response_due": due.first_response_due.isoformat(),
                "resolution_due": due.resolution_due.isoformat(),
            },
            now,
        )
    ticket = conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
    assignee = routing.choose_agent(conn, policy, department, request.language, request.category)
    if assignee is not None:
        routing.assign(conn, ticket, assignee, SYSTEM_ACTOR, "routing", now)
    if severity == "major":
        alert_supervisors(
            conn,
            policy,
            department,
            "major_complaint",
            f"Major complaint {number} ({request.category}): first response due "
            f"{due.first_response_due.astimezone(settings.zone):%Y-%m-%d %H:%M}",
            {"number": number, "reasons": list(request.urgency_reasons)},
            now,
            ticket_id=ticket_id,
            email_enabled=bool(settings.email_smtp_url and settings.email_from),
        )
        ledger.append(conn, ticket_id, "supervisors_notified", SYSTEM_ACTOR, {"why": "major"}, now)
    return ticket_id
