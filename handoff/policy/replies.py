"""Staff replies: queued on the customer's own channel, in order, through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import outbox
from gateway.events import StaffReplied
from gateway.store import conversations
from gateway.store import outbox as queue
from handoff import ledger
from handoff.desk import TicketDesk


def queue_staff_reply(
    conn: Connection,
    desk: TicketDesk,
    number: str,
    text: str,
    author: str,
    now: datetime,
    zone: ZoneInfo,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Queues the reply and records the first response; returns the message as the ticket
    shows it. A repeated `idempotency_key` returns the reply already queued."""
    dedupe_key = f"staff:{number}:{idempotency_key}"[:100] if idempotency_key else None
    if dedupe_key is not None:
        earlier = conn.execute(sa.select(outbox).where(outbox.c.dedupe_key == dedupe_key)).first()
        if earlier is not None:
            return _as_message(earlier, number, zone)
    ticket = desk.record_agent_reply(conn, number, author, now)
    channel, conversation_key, recipient, language = conversations.reply_address(
        conn, ticket.conversation_id
    )
    row_id = queue.enqueue(
        conn,
        channel=channel,
        conversation_key=conversation_key,
        recipient=recipient,
        kind="agent_reply",
        text=text,
        now=now,
        author=author,
        ticket_id=ticket.id,
        dedupe_key=dedupe_key,
        metadata={"language": language or ticket.language},
    )
    ledger.record(conn, StaffReplied(ticket_id=ticket.id, actor=author, at=now, outbox_id=row_id))
    return _as_message(
        conn.execute(sa.select(outbox).where(outbox.c.id == row_id)).one(), number, zone
    )


def _as_message(row: Any, number: str, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": "out",
        "channel": row.channel,
        "text": row.text,
        "created_at": row.created_at.astimezone(zone).isoformat(),
        "author": row.author,
        "kind": row.kind,
        "delivery": row.status,
        "ticket": number,
    }
