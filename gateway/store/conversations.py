"""Customers and conversations: who is writing, and which thread the message belongs to."""

from __future__ import annotations

from dataclasses import dataclass
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
)
from gateway.phones import to_e164


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    customer_id: int
    language: str | None
    ticket_id: int | None
    handled_by: str


def verified_contacts(message: sa.Row[Any], phone_region: str) -> list[tuple[str, str]]:
    """The contact details the channel vouched for (`metadata["verified"]`), normalised:
    the email lower-cased, the phone in E.164 (read in `phone_region` without a country
    code)."""
    vouched = (message.metadata or {}).get("verified") or ()
    found = []
    if "email" in vouched and message.sender_email:
        found.append(("email", message.sender_email.strip().lower()))
    if "phone" in vouched and message.sender_phone:
        phone = to_e164(message.sender_phone, phone_region)
        if phone:
            found.append(("phone", phone))
    return found


def resolve_customer(
    conn: Connection, message: sa.Row[Any], now: datetime, phone_region: str = "CN"
) -> int:
    """The customer behind a stored message, created on first contact through a channel.

    A first contact through a new channel with a verified email address or phone number
    that an existing customer verified before is that customer: agents see one history.
    """
    contacts = verified_contacts(message, phone_region)
    customer_id = _find_customer(conn, message)
    if customer_id is None:
        customer_id = _customer_by_contact(conn, contacts)
        if customer_id is None:
            customer_id = _new_customer(conn, message, now)
        conn.execute(
            sa.insert(customer_identities).values(
                channel=message.channel, sender_id=message.sender_id, customer_id=customer_id
            )
        )
    _remember_contacts(conn, customer_id, contacts, now)
    return customer_id


def _customer_by_contact(conn: Connection, contacts: list[tuple[str, str]]) -> int | None:
    for kind, value in contacts:
        found = conn.scalar(
            sa.select(customer_contacts.c.customer_id).where(
                customer_contacts.c.kind == kind, customer_contacts.c.value == value
            )
        )
        if found is not None:
            return int(found)
    return None


def _remember_contacts(
    conn: Connection, customer_id: int, contacts: list[tuple[str, str]], now: datetime
) -> None:
    for kind, value in contacts:
        known = conn.scalar(
            sa.select(customer_contacts.c.customer_id).where(
                customer_contacts.c.kind == kind, customer_contacts.c.value == value
            )
        )
        if known is None:
            conn.execute(
                sa.insert(customer_contacts).values(
                    kind=kind, value=value, customer_id=customer_id, verified_at=now
                )
            )


def _find_customer(conn: Connection, message: sa.Row[Any]) -> int | None:
    known = conn.execute(
        sa.select(customers.c.id, customers.c.name, customers.c.email, customers.c.phone)
        .join(customer_identities, customer_identities.c.customer_id == customers.c.id)
        .where(
            customer_identities.c.channel == message.channel,
            customer_identities.c.sender_id == message.sender_id,
        )
    ).first()
    if known is not None:
        # Keep what the customer told us last, without a write when nothing is new.
        fresh = {
            field: value
            for field, value in (
                ("name", message.sender_name),
                ("email", message.sender_email),
                ("phone", message.sender_phone),
            )
            if value and value != getattr(known, field)
        }
        if fresh:
            conn.execute(sa.update(customers).where(customers.c.id == known.id).values(**fresh))
        return int(known.id)
    return None


def _new_customer(conn: Connection, message: sa.Row[Any], now: datetime) -> int:
    customer_id = conn.scalar(
        sa.insert(customers)
        .values(
            name=message.sender_name,
            email=message.sender_email,
            phone=message.sender_phone,
            created_at=now,
        )
        .returning(customers.c.id)
    )
    assert customer_id is not None
    return int(customer_id)


def resolve_conversation(
    conn: Connection, message: sa.Row[Any], customer_id: int, now: datetime
) -> Conversation:
    row = (
        conn.execute(
            sa.select(conversations).where(
                conversations.c.channel == message.channel,
                conversations.c.conversation_key == message.conversation_key,
            )
        )
    ).first()
    if row is None:
        conversation_id = conn.scalar(
            sa.insert(conversations)
            .values(
                channel=message.channel,
                conversation_key=message.conversation_key,
                customer_id=customer_id,
                updated_at=now,
            )
            .returning(conversations.c.id)
        )
        return Conversation(int(conversation_id), customer_id, None, None, "bot")
    return Conversation(
        id=int(row.id),
        customer_id=int(row.customer_id),
        language=row.language,
        ticket_id=row.ticket_id,
        handled_by=row.handled_by,
    )


def update_conversation(
    conn: Connection, conversation_id: int, now: datetime, **values: Any
) -> None:
    conn.execute(
        sa.update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(updated_at=now, **values)
    )


def reply_address(conn: Connection, conversation_id: int) -> tuple[str, str, str, str | None]:
    """Where a message to the conversation's customer goes: its channel, conversation key,
    recipient (who wrote last) and language."""
    conversation = conn.execute(
        sa.select(conversations).where(conversations.c.id == conversation_id)
    ).one()
    recipient = conn.scalar(
        sa.select(messages.c.sender_id)
        .where(
            messages.c.channel == conversation.channel,
            messages.c.conversation_key == conversation.conversation_key,
        )
        .order_by(messages.c.id.desc())
        .limit(1)
    )
    return (
        conversation.channel,
        conversation.conversation_key,
        recipient or conversation.conversation_key,
        conversation.language,
    )
