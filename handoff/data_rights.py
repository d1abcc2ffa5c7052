"""A customer's data rights: everything held about them as one JSON document, and erasure.

Erasure removes what identifies the person or what they wrote (names, contacts, the text of
messages both ways, parse results, attachments) and keeps what the complaint-handling policy
counts: ticket numbers, categories, urgency, departments, dates and deadlines, survey scores.
So period statistics read the same before and after. Each of the customer's tickets gets a
`customer_erased` ledger entry naming who erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import (
    conversations,
    customer_contacts,
    customer_identities,
    customers,
    messages,
    outbox,
)
from handoff import ledger
from handoff.schema import surveys, ticket_events, tickets

ERASED = "[erased]"
#: Ledger details that may hold a person's words or contacts.
_PERSONAL_KEYS = frozenset({"text", "note", "name", "email", "phone", "body", "reason"})


class UnknownCustomer(LookupError):
    pass


def export_customer(conn: Connection, customer_id: int) -> dict[str, Any]:
    """Contacts, identities, conversations, messages (in and out), tickets and surveys."""
    customer = conn.execute(sa.select(customers).where(customers.c.id == customer_id)).first()
    if customer is None:
        raise UnknownCustomer(customer_id)
    conversation_ids = _ids(conn, conversations, conversations.c.customer_id == customer_id)
    ticket_ids = _ids(conn, tickets, tickets.c.customer_id == customer_id)
    return {
        "customer": _plain(customer),
        "contacts": _rows(conn, customer_contacts, customer_contacts.c.customer_id == customer_id),
        "identities": _rows(
            conn, customer_identities, customer_identities.c.customer_id == customer_id
        ),
        "conversations": _rows(conn, conversations, conversations.c.id.in_(conversation_ids)),
        "messages": _rows(conn, messages, _their_messages(conversation_ids, ticket_ids)),
        "replies": _rows(conn, outbox, _their_replies(conversation_ids, ticket_ids)),
        "tickets": _rows(conn, tickets, tickets.c.id.in_(ticket_ids)),
        "ticket_events": _rows(conn, ticket_events, ticket_events.c.ticket_id.in_(ticket_ids)),
        "surveys": _rows(conn, surveys, surveys.c.ticket_id.in_(ticket_ids)),
    }


def erase_customer(conn: Connection, customer_id: int, actor: str, now: datetime) -> list[str]:
    """Erases the customer's personal data; returns the attachment hashes no longer needed
    (the caller deletes those files after commit)."""
    if conn.scalar(sa.select(customers.c.id).where(customers.c.id == customer_id)) is None:
        raise UnknownCustomer(customer_id)
    conversation_ids = _ids(conn, conversations, conversations.c.customer_id == customer_id)
    ticket_ids = _ids(conn, tickets, tickets.c.customer_id == customer_id)
    mine = _their_messages(conversation_ids, ticket_ids)
    hashes = {
        str(a["sha256"])
        for (attachments,) in conn.execute(sa.select(messages.c.attachments).where(mine))
        for a in attachments or []
        if isinstance(a, dict) and a.get("sha256")
    }
    conn.execute(
        sa.update(messages)
        .where(mine)
        .values(
            sender_id=sa.literal(f"erased:{customer_id}"),
            sender_name=None,
            sender_email=None,
            sender_phone=None,
            text=ERASED,
            attachments=[],
            raw_ref=None,
            parse=None,
            metadata={"erased": True},
        )
    )
    conn.execute(
        sa.update(outbox)
        .where(_their_replies(conversation_ids, ticket_ids))
        .values(text=ERASED, recipient=f"erased:{customer_id}", last_error=None, metadata={})
    )
    for event_id, data in conn.execute(
        sa.select(ticket_events.c.id, ticket_events.c.data).where(
            ticket_events.c.ticket_id.in_(ticket_ids)
        )
    ):
        if isinstance(data, dict) and _PERSONAL_KEYS & data.keys():
            kept = {k: (ERASED if k in _PERSONAL_KEYS else v) for k, v in data.items()}
            conn.execute(
                sa.update(ticket_events).where(ticket_events.c.id == event_id).values(data=kept)
            )
    conn.execute(
        sa.update(customer_identities)
        .where(customer_identities.c.customer_id == customer_id)
        .values(sender_id=sa.literal("erased:") + sa.cast(customer_identities.c.id, sa.String))
    )
    conn.execute(sa.delete(customer_contacts).where(customer_contacts.c.customer_id == customer_id))
    conn.execute(
        sa.update(customers)
        .where(customers.c.id == customer_id)
        .values(name=None, email=None, phone=None)
    )
    for ticket_id in ticket_ids:
        ledger.append(conn, ticket_id, "customer_erased", actor, {}, now)
    still_used = {
        str(a["sha256"])
        for (attachments,) in conn.execute(sa.select(messages.c.attachments))
        for a in attachments or []
        if isinstance(a, dict) and a.get("sha256")
    }
    return sorted(hashes - still_used)


def erase_expired(
    conn: Connection, closed_before: datetime, now: datetime, limit: int = 100
) -> tuple[int, list[str]]:
    """The retention rule: erases up to `limit` customers whose tickets all closed before
    `closed_before`; returns how many, and the attachment hashes no longer needed."""
    due = customers_due_for_retention(conn, closed_before)[:limit]
    unused: list[str] = []
    for customer_id in due:
        unused.extend(erase_customer(conn, customer_id, "retention", now))
    return len(due), unused


def customers_due_for_retention(conn: Connection, closed_before: datetime) -> list[int]:
    """Customers whose every ticket was closed before `closed_before` and who still have
    personal data (not erased yet)."""
    open_or_recent = sa.select(tickets.c.customer_id).where(
        sa.or_(tickets.c.closed_at.is_(None), tickets.c.closed_at >= closed_before)
    )
    query = (
        sa.select(tickets.c.customer_id)
        .distinct()
        .join(customers, customers.c.id == tickets.c.customer_id)
        .where(
            tickets.c.closed_at < closed_before,
            tickets.c.customer_id.notin_(open_or_recent),
            ~sa.exists().where(
                ticket_events.c.ticket_id == tickets.c.id,
                ticket_events.c.type == "customer_erased",
            ),
        )
    )
    return [int(c) for c in conn.scalars(query)]


def _their_messages(conversation_ids: list[int], ticket_ids: list[int]) -> Any:
    conversation_keys = sa.select(conversations.c.conversation_key).where(
        conversations.c.id.in_(conversation_ids)
    )
    return sa.or_(
        messages.c.ticket_id.in_(ticket_ids), messages.c.conversation_key.in_(conversation_keys)
    )


def _their_replies(conversation_ids: list[int], ticket_ids: list[int]) -> Any:
    conversation_keys = sa.select(conversations.c.conversation_key).where(
        conversations.c.id.in_(conversation_ids)
    )
    return sa.or_(
        outbox.c.ticket_id.in_(ticket_ids), outbox.c.conversation_key.in_(conversation_keys)
    )


def _ids(conn: Connection, table: sa.Table, where: Any) -> list[int]:
    return [int(i) for i in conn.scalars(sa.select(table.c.id).where(where))]


def _rows(conn: Connection, table: sa.Table, where: Any) -> list[dict[str, Any]]:
    query = sa.select(table).where(where).order_by(*table.primary_key)
    return [_plain(r) for r in conn.execute(query)]


def _plain(row: Any) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in row._mapping.items()
        if key != "token_hash"
    }
