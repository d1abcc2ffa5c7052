"""The order in which the pipeline takes locks on PostgreSQL, so two processes never wait
on each other in a cycle ("deadlock detected") and yet handle unrelated customers at once.

A batch touches many rows: its messages, their customers and conversations, open tickets
and the outbox. Two batches taking those in different orders (one holds a conversation the
other wants, which holds one the first wants) deadlock. So every handling transaction
first locks its message rows in id order, then one transaction-scoped advisory lock per
customer it may touch, all in one statement in key order: the sender's identity, the
conversation, the contact details, and the customers these already belong to. Two batches
that share a customer queue at that step, holding nothing the other wants; two that share
none run side by side. Only then does it read or write any of those rows.

What no key covers: the ticket serial, drawn in a transaction of its own
(`handoff.policy.numbering`); the agents' presence rows, which routing takes after a global
routing lock (`routing_lock`), so only one batch at a time holds any of them; the outbox,
claimed with SKIP LOCKED. Staff routes lock one ticket and join no cycle. NLU parsing, the
slow part, runs before the transaction. SQLite has a single writer and needs none of this.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import conversations, customer_contacts, customer_identities, messages

#: Any constant shared by every gateway process (the migration and monitor locks differ).
ROUTING_LOCK = 7_242_618
#: A phone number is keyed by its last digits: the same number written locally and in
#: E.164 gets the same key (a wider key only makes unrelated senders queue, never race).
PHONE_KEY_DIGITS = 9

_LOCK_KEYS = sa.text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT DISTINCT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS sorted"
)


def lock_batch(conn: Connection, message_ids: list[int]) -> None:
    """Locks the batch's message rows in id order, then its customers' keys in key order."""
    if conn.dialect.name != "postgresql":
        return
    rows = conn.execute(
        sa.select(
            messages.c.id,
            messages.c.channel,
            messages.c.sender_id,
            messages.c.conversation_key,
            messages.c.sender_email,
            messages.c.sender_phone,
        )
        .where(messages.c.id.in_(sorted(message_ids)))
        .order_by(messages.c.id)
        .with_for_update()
    ).all()
    names = [name for row in rows for name in _names(row)]
    names += [f"customer:{customer_id}" for customer_id in _known_customers(conn, rows)]
    conn.execute(_LOCK_KEYS, {"keys": sorted({_key(name) for name in names})})


def routing_lock(conn: Connection) -> None:
    """Taken before any agent's presence row: routing steps of two batches, which lock
    different agents one ticket at a time, take turns instead of deadlocking."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({ROUTING_LOCK})"))


def _names(row: Any) -> Iterable[str]:
    yield f"identity:{row.channel}:{row.sender_id}"
    yield f"conversation:{row.channel}:{row.conversation_key}"
    if row.sender_email:
        yield f"email:{row.sender_email.strip().lower()}"
    if digits := _phone_digits(row.sender_phone):
        yield f"phone:{digits}"


def _phone_digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-PHONE_KEY_DIGITS:]


def _known_customers(conn: Connection, rows: Sequence[Any]) -> set[int]:
    """The customers the batch's senders, conversations and emails already belong to
    (a customer reached through another channel's conversation is keyed too)."""
    if not rows:
        return set()
    identities = {(row.channel, row.sender_id) for row in rows}
    keys = {(row.channel, row.conversation_key) for row in rows}
    emails = {row.sender_email.strip().lower() for row in rows if row.sender_email}
    phones = {digits for row in rows if (digits := _phone_digits(row.sender_phone))}
    queries = [
        sa.select(customer_identities.c.customer_id).where(
            sa.tuple_(customer_identities.c.channel, customer_identities.c.sender_id).in_(
                identities
            )
        ),
        sa.select(conversations.c.customer_id).where(
            sa.tuple_(conversations.c.channel, conversations.c.conversation_key).in_(keys)
        ),
    ]
    if emails:
        queries.append(
            sa.select(customer_contacts.c.customer_id).where(
                customer_contacts.c.kind == "email", customer_contacts.c.value.in_(emails)
            )
        )
    if phones:
        queries.append(
            sa.select(customer_contacts.c.customer_id).where(
                customer_contacts.c.kind == "phone",
                sa.func.right(customer_contacts.c.value, PHONE_KEY_DIGITS).in_(phones),
            )
        )
    return {int(customer_id) for customer_id in conn.scalars(sa.union(*queries))}


def _key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name` (the same in every process)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )
