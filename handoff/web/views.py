"""Tickets as staff read them: the contract's ticket JSON and the ticket list."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.blobs import relink_inline_images
from gateway.db.schema import conversations, customers, messages, outbox
from handoff.policy.lifecycle import OPEN_STATUSES, TRANSITIONS
from handoff.schema import ticket_events, tickets

#: Channels where an agent can take the conversation from the bot and talk live.

_LIST_COLUMNS = (
    tickets.c.id,
    tickets.c.number,
    tickets.c.status,
    tickets.c.category,
    tickets.c.urgency,
    tickets.c.severity,
    tickets.c.language,
    tickets.c.channel,
    tickets.c.department,
    tickets.c.assignee,
    tickets.c.created_at,
    tickets.c.first_response_due,
    tickets.c.resolution_due,
    tickets.c.escalation,
    tickets.c.first_responded_at,
    tickets.c.resolved_at,
)


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _ticket_fields(row: Any, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "number": row.number,
        "status": row.status,
        "category": row.category,
        "urgency": row.urgency,
        "severity": row.severity,
        "language": row.language,
        "channel": row.channel,
        "department": row.department,
        "assignee": row.assignee,
        "created_at": _iso(row.created_at, zone),
        "first_response_due": _iso(row.first_response_due, zone),
        "resolution_due": _iso(row.resolution_due, zone),
        "escalation": row.escalation,
        "first_responded_at": _iso(row.first_responded_at, zone),
        "resolved_at": _iso(row.resolved_at, zone),
    }


def _delivery(channel: str, status: str, api_callback: bool) -> str:
    """The outbox's state, except that an `api` reply with no callback URL was only put on
    the ticket: nothing was sent anywhere, and the console must not say "sent"."""
    if channel == "api" and status == "sent" and not api_callback:
        return "on_ticket"
    return status


def _html(metadata: dict[str, Any], attachments: Any, data_dir: Path | None) -> dict[str, Any]:
    """A mail's sanitised HTML, its inline images shown (with the data dir at hand)."""
    html = metadata.get("html")
    if not html or data_dir is None:
        return {}
    return {"html": relink_inline_images(html, attachments or [], data_dir)}


def ticket_detail(
    conn: Connection,
    number: str,
    zone: ZoneInfo,
    data_dir: Path | None = None,
    *,
    api_callback: bool = True,
    live_chats: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """The ticket with its customer, messages (both directions) and ledger, oldest first.
    Each outbound message has `delivery`: pending, sending, sent, failed (with
    `delivery_error`), or on_ticket (an `api` reply where no callback URL is configured)."""
    row = (
        conn.execute(
            sa.select(
                *_LIST_COLUMNS,
                tickets.c.updated_at,
                tickets.c.customer_id,
                tickets.c.conversation_id,
                tickets.c.reopen_count,
            ).where(tickets.c.number == number)
        )
    ).first()
    if row is None:
        return None
    customer = (conn.execute(sa.select(customers).where(customers.c.id == row.customer_id))).first()
    inbound = conn.execute(
        sa.select(
            messages.c.id,
            messages.c.channel,
            messages.c.text,
            messages.c.received_at,
            messages.c.attachments,
            messages.c.notes,
            messages.c.sender_id,
            messages.c.sender_name,
            messages.c.metadata,
        ).where(messages.c.ticket_id == row.id)
    )
    outbound = conn.execute(
        sa.select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.text,
            outbox.c.created_at,
            outbox.c.kind,
            outbox.c.status,
            outbox.c.author,
            outbox.c.last_error,
        ).where(outbox.c.ticket_id == row.id)
    )
    thread: list[tuple[datetime, int, dict[str, Any]]] = []
    for m in inbound:
        thread.append(
            (
                m.received_at,
                0,
                {
                    "id": m.id,
                    "direction": "in",
                    "channel": m.channel,
                    "text": m.text,
                    "created_at": _iso(m.received_at, zone),
                    "attachments": m.attachments,
                    "notes": m.notes or [],
                    "sender": {"id": m.sender_id, "name": m.sender_name},
                    # A mail's subject, from, to, cc, reply_to, date and body content type.
                    "headers": (m.metadata or {}).get("headers"),
                    **_html(m.metadata or {}, m.attachments, data_dir),
                },
            )
        )
    for o in outbound:
        thread.append(
            (
                o.created_at,
                1,
                {
                    "id": o.id,
                    "direction": "out",
                    "channel": o.channel,
                    "text": o.text,
                    "created_at": _iso(o.created_at, zone),
                    "kind": o.kind,
                    "delivery": _delivery(o.channel, o.status, api_callback),
                    "delivery_error": o.last_error,
                    "author": o.author,
                },
            )
        )
    events = conn.execute(
        sa.select(
            ticket_events.c.type, ticket_events.c.at, ticket_events.c.actor, ticket_events.c.data
        )
        .where(ticket_events.c.ticket_id == row.id)
        .order_by(ticket_events.c.id)
    )
    return {
        **_ticket_fields(row, zone),
        "updated_at": _iso(row.updated_at, zone),
        "reopen_count": row.reopen_count,
        # What the console may offer: the lifecycle's next states, and takeover only where
        # a person can talk live with the customer.
        "allowed_statuses": sorted(TRANSITIONS[row.status]),
        "live_chat": row.channel in live_chats,
        # "agent" while a person holds the chat: the bot stays silent in it.
        "handled_by": conn.scalar(
            sa.select(conversations.c.handled_by).where(conversations.c.id == row.conversation_id)
        ),
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "earlier_tickets": _other_tickets(conn, customer.id, row.id, zone),
        }
        if customer
        else None,
        "messages": [item for _, _, item in sorted(thread, key=lambda t: (t[0], t[1], t[2]["id"]))],
        "events": [
            {"type": e.type, "at": _iso(e.at, zone), "actor": e.actor, "data": e.data}
            for e in events
        ],
    }


def _other_tickets(
    conn: Connection, customer_id: int, ticket_id: int, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The customer's other tickets, on any channel, newest first."""
    rows = conn.execute(
        sa.select(
            tickets.c.number,
            tickets.c.status,
            tickets.c.category,
            tickets.c.channel,
            tickets.c.created_at,
        )
        .where(tickets.c.customer_id == customer_id, tickets.c.id != ticket_id)
        .order_by(tickets.c.id.desc())
        .limit(50)
    )
    return [
        {
            "number": r.number,
            "status": r.status,
            "category": r.category,
            "channel": r.channel,
            "created_at": _iso(r.created_at, zone),
        }
        for r in rows
    ]


#: What is due next: the first response until there is one, then the resolution.
_NEXT_DUE = sa.case(
    (tickets.c.status.notin_(OPEN_STATUSES), None),
    (tickets.c.first_responded_at.is_(None), tickets.c.first_response_due),
    else_=tickets.c.resolution_due,
)
PREVIEW_CHARS = 160


def _last_inbound(column: Any) -> Any:
    return (
        sa.select(column)
        .where(messages.c.ticket_id == tickets.c.id)
        .order_by(messages.c.received_at.desc(), messages.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _search(phrase: str) -> Any:
    """Number, customer name, contact or any message text containing the phrase (SQLite
    folds case for ASCII letters only)."""
    escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = "%" + escaped + "%"

    def like(column: Any) -> Any:
        return column.ilike(pattern, escape="\\")

    return sa.or_(
        like(tickets.c.number),
        like(customers.c.name),
        like(customers.c.email),
        like(customers.c.phone),
        sa.exists().where(messages.c.ticket_id == tickets.c.id, like(messages.c.text)),
    )


def ticket_list(
    conn: Connection,
    zone: ZoneInfo,
    *,
    limit: int,
    before: int | None = None,
    channel: str | None = None,
    status: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    escalation: str | None = None,
    search: str | None = None,
    sort: str = "newest",
) -> tuple[list[dict[str, Any]], int | None]:
    """Newest first, or with `sort="due"` open tickets by their next deadline (the first
    response until answered, then the resolution), soonest first, then the rest; returns
    the page and the cursor of the next page (newest first only). Each filter may list
    several values separated by commas; `assignee=none` means the queue (no assignee);
    `search` matches number, customer name, email, phone and message text."""
    next_due = _NEXT_DUE.label("next_due")
    query = (
        sa.select(
            *_LIST_COLUMNS,
            next_due,
            customers.c.name.label("customer_name"),
            _last_inbound(messages.c.text).label("preview"),
            _last_inbound(messages.c.received_at).label("last_message_at"),
        )
        .select_from(tickets.outerjoin(customers, customers.c.id == tickets.c.customer_id))
        .limit(limit + 1)
    )
    if sort == "due":
        query = query.order_by(next_due.is_(None), next_due, tickets.c.id.desc())
    else:
        query = query.order_by(tickets.c.id.desc())
    if before is not None and sort != "due":
        query = query.where(tickets.c.id < before)
    if search:
        query = query.where(_search(search))
    for column, value in (
        (tickets.c.channel, channel),
        (tickets.c.status, status),
        (tickets.c.category, category),
        (tickets.c.escalation, escalation),
    ):
        if value:
            query = query.where(column.in_(value.split(",")))
    if assignee == "none":
        query = query.where(tickets.c.assignee.is_(None))
    elif assignee:
        query = query.where(tickets.c.assignee.in_(assignee.split(",")))
    rows = (conn.execute(query)).all()
    page = [
        {
            **_ticket_fields(r, zone),
            "customer_name": r.customer_name,
            "preview": _preview(r.preview),
            "last_message_at": _iso(r.last_message_at, zone),
            "next_due": _iso(r.next_due, zone),
        }
        for r in rows[:limit]
    ]
    more = len(rows) > limit and sort != "due"
    return page, (int(rows[limit - 1].id) if more else None)


def _preview(text: str | None) -> str | None:
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"
