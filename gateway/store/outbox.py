"""The durable outbox: every outbound message is a row before any channel sees it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import outbox
from gateway.events import OutboxQueued, emit

PENDING, SENDING, SENT, FAILED, PARKED = "pending", "sending", "sent", "failed", "parked"
#: Sent, and the channel said the customer has it on screen (the web chat widget does).
DELIVERED = "delivered"


def enqueue(
    conn: Connection,
    *,
    channel: str,
    conversation_key: str,
    recipient: str,
    kind: str,
    text: str,
    now: datetime,
    author: str = "bot",
    ticket_id: int | None = None,
    message_id: int | None = None,
    dedupe_key: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> int:
    """Queues one outbound message in the caller's transaction; a repeated `dedupe_key`
    returns the row already queued instead of a second one."""
    if dedupe_key is not None:
        existing = conn.scalar(sa.select(outbox.c.id).where(outbox.c.dedupe_key == dedupe_key))
        if existing is not None:
            return int(existing)
    row_id = conn.scalar(
        sa.insert(outbox)
        .values(
            channel=channel,
            conversation_key=conversation_key,
            recipient=recipient,
            kind=kind,
            text=text,
            ticket_id=ticket_id,
            message_id=message_id,
            author=author,
            dedupe_key=dedupe_key,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            metadata=metadata or {},
        )
        .returning(outbox.c.id)
    )
    assert row_id is not None
    emit(
        conn,
        OutboxQueued(
            outbox_id=int(row_id), channel=channel, conversation_key=conversation_key, kind=kind
        ),
    )
    return int(row_id)


def claim_due(conn: Connection, now: datetime, lease: timedelta, limit: int) -> list[sa.Row[Any]]:
    """Leases up to `limit` due rows to this worker.

    A row waits while an older row of the same conversation is unsent, so a customer gets
    replies in the order they were written. An expired lease (a worker died mid-send) makes
    the row due again.
    """
    earlier = outbox.alias("earlier")
    blocked_by_earlier = sa.exists().where(
        earlier.c.channel == outbox.c.channel,
        earlier.c.conversation_key == outbox.c.conversation_key,
        earlier.c.id < outbox.c.id,
        earlier.c.status.in_((PENDING, SENDING, PARKED)),
    )
    due = (
        sa.select(outbox.c.id)
        .where(
            sa.or_(
                sa.and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
                sa.and_(outbox.c.status == SENDING, outbox.c.lease_until < now),
            ),
            ~blocked_by_earlier,
        )
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = [int(i) for i in conn.scalars(due)]
    if not ids:
        return []
    rows = conn.execute(
        sa.update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(status=SENDING, lease_until=now + lease, attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )
    return sorted(rows.all(), key=lambda r: r.id)


def mark_delivered(
    conn: Connection, row_id: int, channel: str, conversation_key: str, now: datetime
) -> bool:
    """The customer's client says it shows this reply; only a reply sent to that very
    conversation counts. Whether a row changed."""
    done = conn.execute(
        sa.update(outbox)
        .where(
            outbox.c.id == row_id,
            outbox.c.channel == channel,
            outbox.c.conversation_key == conversation_key,
            outbox.c.status.in_((SENDING, SENT)),
        )
        .values(status=DELIVERED, sent_at=sa.func.coalesce(outbox.c.sent_at, now))
    )
    return bool(done.rowcount)


def mark_sent(conn: Connection, sent: list[tuple[int, str | None]], now: datetime) -> None:
    """Marks rows delivered, each with the channel's own reference (or None), in one call."""
    if sent:
        conn.execute(
            sa.update(outbox)
            # A receipt may come back before the send is recorded: never undo it.
            .where(outbox.c.id == sa.bindparam("row_id"), outbox.c.status != DELIVERED)
            .values(
                status=SENT,
                sent_at=now,
                lease_until=None,
                last_error=None,
                external_ref=sa.bindparam("ref"),
            ),
            [{"row_id": row_id, "ref": ref} for row_id, ref in sent],
        )


def mark_retry(conn: Connection, row_id: int, at: datetime, error: str) -> None:
    conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=PENDING, next_attempt_at=at, lease_until=None, last_error=error)
    )


def mark_failed(conn: Connection, row_id: int, error: str) -> None:
    conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=FAILED, lease_until=None, last_error=error)
    )


def park(conn: Connection, row_id: int, reason: str) -> None:
    """Keeps the row for a recipient who is not connected; it does not count as a failure."""
    conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=PARKED, lease_until=None, last_error=reason, attempts=outbox.c.attempts - 1)
    )


def claim_parked(
    conn: Connection, channel: str, conversation_key: str, now: datetime, lease: timedelta
) -> list[sa.Row[Any]]:
    """Leases a recipient's parked rows to the process that holds their connection."""
    rows = conn.execute(
        sa.update(outbox)
        .where(
            outbox.c.channel == channel,
            outbox.c.conversation_key == conversation_key,
            outbox.c.status == PARKED,
        )
        .values(status=SENDING, lease_until=now + lease, attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )
    return sorted(rows.all(), key=lambda r: r.id)


def unpark(conn: Connection, channel: str, conversation_key: str, now: datetime) -> int:
    """Makes a returning recipient's parked rows due now; returns how many."""
    result = conn.execute(
        sa.update(outbox)
        .where(
            outbox.c.channel == channel,
            outbox.c.conversation_key == conversation_key,
            outbox.c.status == PARKED,
        )
        .values(status=PENDING, next_attempt_at=now)
    )
    return result.rowcount or 0


def backlog(conn: Connection) -> int:
    return int(
        conn.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.status.in_((PENDING, SENDING)))
        )
        or 0
    )
