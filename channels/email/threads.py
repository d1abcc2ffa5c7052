"""Which conversation a mail belongs to, and the Message-ID map that decides it.

A conversation is a thread root and one sender's address: replies from different people to
one acknowledgement (or one newsletter) stay apart, where a helpdesk that threads by
Message-ID alone would merge them. The thread is found by In-Reply-To, then References from
the newest (Outlook rewrites In-Reply-To), then a ticket number in the subject when it is
that sender's ticket (so a reply that changed the subject, or a fresh mail quoting the
number, still lands on the ticket).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import conversations, customers, messages, outbox
from gateway.ports import TicketIndex

from .keys import conversation_key
from .schema import email_messages

MAX_REFERENCES = 20  # keep References short: the root and the newest are what clients use


@dataclass(frozen=True, slots=True)
class Thread:
    root: str
    conversation_key: str
    matched_by: str  # in-reply-to, references, ticket-number, new


@dataclass(frozen=True, slots=True)
class Parent:
    """What a reply needs from the mail it answers."""

    message_id: str
    references: str
    subject: str
    address: str
    reply_to: str | None
    root: str


def ticket_number_in(subject: str, prefix: str) -> str | None:
    found = re.search(rf"\b{re.escape(prefix)}-\d{{6}}-\d{{6}}\b", subject)
    return found.group(0) if found else None


def resolve_thread(
    conn: Connection,
    *,
    own_id: str,
    in_reply_to: list[str],
    references: list[str],
    subject: str,
    address: str,
    ticket_prefix: str,
    tickets: TicketIndex,
) -> Thread:
    """The thread and conversation of an inbound mail from `address`."""
    for how, ids in (("in-reply-to", in_reply_to), ("references", list(reversed(references)))):
        for message_id in ids:
            root = conn.scalar(
                sa.select(email_messages.c.root)
                .where(email_messages.c.message_id == message_id)
                .limit(1)
            )
            if root is not None:
                return Thread(root, conversation_key(root, address), how)
    number = ticket_number_in(subject, ticket_prefix)
    owner = tickets.owner(conn, number) if number is not None else None
    if owner is not None:
        # The ticket's own mail conversation, and only when the mail comes from its customer.
        key = conn.scalar(
            sa.select(conversations.c.conversation_key).where(
                conversations.c.id == owner.conversation_id,
                conversations.c.channel == "email",
                sa.exists().where(
                    customers.c.id == owner.customer_id,
                    sa.func.lower(customers.c.email) == address.lower(),
                ),
            )
        )
        root = key and conn.scalar(
            sa.select(email_messages.c.root)
            .where(email_messages.c.conversation_key == key)
            .limit(1)
        )
        if key is not None and root is not None:
            return Thread(root, key, "ticket-number")
    return Thread(own_id, conversation_key(own_id, address), "new")


def recorded_thread(conn: Connection, external_id: str) -> Thread | None:
    """The thread an inbound mail was given when first read (a re-read after a crash)."""
    row = conn.execute(
        sa.select(email_messages.c.root, email_messages.c.conversation_key).where(
            email_messages.c.external_id == external_id
        )
    ).first()
    return Thread(row.root, row.conversation_key, "recorded") if row is not None else None


def duplicate_of(
    conn: Connection, message_id: str, content_hash: str, external_id: str
) -> str | None:
    """The external id of another mail read with this Message-ID and the same content."""
    return conn.scalar(
        sa.select(email_messages.c.external_id)
        .where(
            email_messages.c.message_id == message_id,
            email_messages.c.content_hash == content_hash,
            email_messages.c.direction == "in",
            email_messages.c.external_id != external_id,
        )
        .order_by(email_messages.c.id)
        .limit(1)
    )


def record_inbound(
    conn: Connection,
    *,
    external_id: str,
    message_id: str,
    thread: Thread,
    address: str,
    reply_to: str | None,
    subject: str,
    references: list[str],
    content_hash: str,
    now: datetime,
) -> None:
    """Adds an inbound mail to the map, before it is stored."""
    chain = [*references[-(MAX_REFERENCES - 1) :], message_id]
    conn.execute(
        sa.insert(email_messages).values(
            message_id=message_id,
            direction="in",
            external_id=external_id,
            root=thread.root,
            conversation_key=thread.conversation_key,
            address=address,
            reply_to=reply_to,
            subject=subject,
            references=" ".join(chain),
            content_hash=content_hash,
            created_at=now,
        )
    )


def parent_for_reply(conn: Connection, outbox_id: int, conversation_key: str) -> Parent | None:
    """The mail an outbound message answers: the inbound its outbox row was queued for, else
    (an agent's reply) the conversation's newest inbound mail."""
    answered = conn.scalar(
        sa.select(messages.c.external_id)
        .join(outbox, outbox.c.message_id == messages.c.id)
        .where(outbox.c.id == outbox_id)
    )
    query = sa.select(email_messages).where(email_messages.c.direction == "in")
    if answered is not None:
        query = query.where(email_messages.c.external_id == answered)
    else:
        query = query.where(email_messages.c.conversation_key == conversation_key)
    row: Any = conn.execute(query.order_by(email_messages.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Parent(row.message_id, row.references, row.subject, row.address, row.reply_to, row.root)


def record_outbound(
    conn: Connection,
    outbox_id: int,
    message_id: str,
    parent: Parent,
    conversation_key: str,
    subject: str,
    now: datetime,
) -> None:
    """Adds an outbound mail to the map before it is sent, so the customer's reply to it
    always finds its thread; once per outbox row."""
    exists = conn.scalar(
        sa.select(email_messages.c.id).where(email_messages.c.outbox_id == outbox_id)
    )
    if exists is not None:
        return
    references = [*parent.references.split()[-(MAX_REFERENCES - 1) :], message_id]
    conn.execute(
        sa.insert(email_messages).values(
            message_id=message_id,
            direction="out",
            outbox_id=outbox_id,
            root=parent.root,
            conversation_key=conversation_key,
            address=parent.address,
            subject=subject,
            references=" ".join(references),
            created_at=now,
        )
    )
