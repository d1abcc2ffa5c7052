"""Inbound messages: the store-first write and the audit reads."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import messages, outbox
from gateway.events import MessageStored, emit
from gateway.messages import InboundMessage
from gateway.ports import TicketIndex

STAGE_STORED = "stored"
STAGE_DONE = "done"
#: Failed the pipeline too often: kept, shown to staff, left alone until a person retries.
STAGE_PARKED = "parked"
#: Stages the pipeline has nothing more to do for by itself.
SETTLED = (STAGE_DONE, STAGE_PARKED)


def store_inbound_many(
    conn: Connection, batch: list[InboundMessage], now: datetime
) -> list[tuple[int, bool]]:
    """Stores a group of messages in one transaction (a group commit): one look-up of those
    the channels delivered already and one multi-row insert, instead of statements per
    message. The same channel message twice, even within the group, is stored once.

    Returns each message's id and whether this call stored it (False for a redelivery).
    """
    keys = list(dict.fromkeys((m.channel, m.external_id) for m in batch))
    ids: dict[tuple[str, str], int] = {
        (row.channel, row.external_id): int(row.id)
        for row in conn.execute(
            sa.select(messages.c.id, messages.c.channel, messages.c.external_id).where(
                sa.tuple_(messages.c.channel, messages.c.external_id).in_(keys)
            )
        )
    }
    fresh: dict[tuple[str, str], InboundMessage] = {}
    for message in batch:
        key = (message.channel, message.external_id)
        if key not in ids:
            fresh.setdefault(key, message)
    if fresh:
        inserted = conn.execute(
            sa.insert(messages).returning(messages.c.id, sort_by_parameter_order=True),
            [_row(message, now) for message in fresh.values()],
        ).scalars()
        for (key, message), message_id in zip(fresh.items(), inserted, strict=True):
            ids[key] = int(message_id)
            emit(
                conn,
                MessageStored(
                    message_id=int(message_id),
                    channel=message.channel,
                    conversation_key=message.conversation_key,
                    at=now,
                ),
            )
    results = []
    for message in batch:
        key = (message.channel, message.external_id)
        results.append((ids[key], fresh.pop(key, None) is not None))  # True once per new key
    return results


def _row(message: InboundMessage, now: datetime) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "external_id": message.external_id,
        "conversation_key": message.conversation_key,
        "sender_id": message.sender.id,
        "sender_name": message.sender.name,
        "sender_email": message.sender.email,
        "sender_phone": message.sender.phone,
        "text": message.text,
        "attachments": [asdict(a) for a in message.attachments],
        "received_at": message.received_at,
        "stored_at": now,
        "raw_ref": message.raw_ref,
        "language_hint": message.language_hint,
        "metadata": (
            {**message.metadata, "reply_suppressed": True}
            if message.reply_suppressed
            else message.metadata
        ),
        "stage": STAGE_STORED,
        "notes": list(message.notes),
    }


def claim_stored(
    conn: Connection,
    now: datetime,
    lease: timedelta,
    limit: int,
    message_ids: list[int] | None = None,
) -> list[sa.Row[Any]]:
    """Claims stored messages nobody holds (or whose holder's claim expired), oldest first,
    for `lease`; only among `message_ids` when given.

    PostgreSQL skips rows another worker is claiming right now (SKIP LOCKED), so workers
    never wait on each other; SQLite has one writer, which serialises the claims anyway.
    """
    free = sa.or_(messages.c.claimed_until.is_(None), messages.c.claimed_until < now)
    query = sa.select(messages.c.id).where(messages.c.stage == STAGE_STORED, free)
    if message_ids is not None:
        query = query.where(messages.c.id.in_(message_ids))
    ids = list(
        conn.scalars(query.order_by(messages.c.id).limit(limit).with_for_update(skip_locked=True))
    )
    if not ids:
        return []
    conn.execute(
        sa.update(messages).where(messages.c.id.in_(ids)).values(claimed_until=now + lease)
    )
    return list(
        conn.execute(
            sa.select(messages.c.id, messages.c.text, messages.c.language_hint)
            .where(messages.c.id.in_(ids))
            .order_by(messages.c.id)
        )
    )


def done_among(conn: Connection, message_ids: list[int]) -> list[int]:
    """Which of these messages have been through the pipeline (or no longer exist)."""
    rows = conn.execute(
        sa.select(messages.c.id, messages.c.stage).where(messages.c.id.in_(message_ids))
    )
    pending = {int(r.id) for r in rows if r.stage not in SETTLED}
    return [i for i in message_ids if i not in pending]


def oldest_unprocessed(conn: Connection) -> datetime | None:
    """When the oldest message still waiting for the pipeline was stored."""
    return conn.scalar(
        sa.select(sa.func.min(messages.c.stored_at)).where(messages.c.stage.notin_(SETTLED))
    )


def pending_message_ids(conn: Connection) -> list[int]:
    """Messages a crash or a restart left before the end of the pipeline, oldest first."""
    rows = conn.scalars(
        sa.select(messages.c.id).where(messages.c.stage.notin_(SETTLED)).order_by(messages.c.id)
    )
    return [int(r) for r in rows]


def record_failure(conn: Connection, message_id: int, error: str, max_attempts: int) -> bool:
    """Counts one failed pipeline attempt; parks the message, with the error as a note, once
    it has failed `max_attempts` times. Returns whether it is now parked."""
    row = conn.execute(
        sa.select(messages.c.attempts, messages.c.notes, messages.c.stage)
        .where(messages.c.id == message_id)
        .with_for_update()
    ).first()
    if row is None or row.stage in SETTLED:
        return False
    attempts = int(row.attempts or 0) + 1
    values: dict[str, Any] = {"attempts": attempts}
    parked = attempts >= max_attempts
    if parked:
        values["stage"] = STAGE_PARKED
        values["notes"] = [*_notes(row.notes), f"parked after {attempts} failed attempts: {error}"]
    conn.execute(sa.update(messages).where(messages.c.id == message_id).values(**values))
    return parked


def retry_parked(conn: Connection, message_id: int, actor: str) -> bool:
    """Puts a parked message back into the pipeline with a fresh count; False if it is not
    parked."""
    row = conn.execute(
        sa.select(messages.c.notes).where(
            messages.c.id == message_id, messages.c.stage == STAGE_PARKED
        )
    ).first()
    if row is None:
        return False
    conn.execute(
        sa.update(messages)
        .where(messages.c.id == message_id)
        .values(stage=STAGE_STORED, attempts=0, notes=[*_notes(row.notes), f"retried by {actor}"])
    )
    return True


def count_parked(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).where(messages.c.stage == STAGE_PARKED)) or 0)


def _notes(value: Any) -> list[str]:
    return [str(n) for n in value] if isinstance(value, list) else []


def load_message(conn: Connection, message_id: int) -> sa.Row[Any] | None:
    return (conn.execute(sa.select(messages).where(messages.c.id == message_id))).first()


def load_messages(conn: Connection, message_ids: list[int]) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(messages).where(messages.c.id.in_(message_ids))))


def list_for_audit(
    conn: Connection,
    tickets: TicketIndex,
    *,
    channel: str | None,
    limit: int,
    before: int | None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Newest first, `limit` a page; returns the page and the cursor of the next one."""
    query = (
        sa.select(
            messages.c.id,
            messages.c.channel,
            messages.c.external_id,
            messages.c.conversation_key,
            messages.c.received_at,
            messages.c.stage,
            messages.c.attempts,
            messages.c.language,
            messages.c.intent,
            messages.c.notes,
            messages.c.sender_id,
            messages.c.sender_name,
            messages.c.metadata,
            messages.c.ticket_id,
        )
        .order_by(messages.c.id.desc())
        .limit(limit + 1)
    )
    if channel:
        query = query.where(messages.c.channel == channel)
    if before is not None:
        query = query.where(messages.c.id < before)
    rows = (conn.execute(query)).mappings().all()
    numbers = tickets.numbers(conn, {r.ticket_id for r in rows[:limit] if r.ticket_id})
    page = [_audit_item(dict(r), numbers) for r in rows[:limit]]
    next_cursor = int(page[-1]["id"]) if len(rows) > limit else None
    return page, next_cursor


def _audit_item(row: dict[str, Any], numbers: dict[int, str]) -> dict[str, Any]:
    """The sender, the ticket's number and, for a mail, its headers (subject, from, to, cc,
    reply_to, date and the body's content type) from the stored metadata; the rest of the
    metadata stays in."""
    ticket_id = row.pop("ticket_id")
    row["ticket"] = numbers.get(ticket_id) if ticket_id else None
    metadata = row.pop("metadata") or {}
    row["sender"] = {"id": row.pop("sender_id"), "name": row.pop("sender_name")}
    row["headers"] = metadata.get("headers")
    return row


def message_result(conn: Connection, message_id: int, tickets: TicketIndex) -> dict[str, Any]:
    """What intake reports for a message: its ticket and the reply queued for it."""
    ticket_id = conn.scalar(sa.select(messages.c.ticket_id).where(messages.c.id == message_id))
    ticket = tickets.summaries(conn, [ticket_id]).get(ticket_id) if ticket_id else None
    reply = conn.scalar(
        sa.select(outbox.c.text)
        .where(outbox.c.message_id == message_id)
        .order_by(outbox.c.id)
        .limit(1)
    )
    return intake_result(message_id, ticket, reply)


def intake_result(message_id: int, ticket: Any | None, reply_text: str | None) -> dict[str, Any]:
    """The intake route's answer: `ticket` is anything with the ticket's summary fields."""
    summary = None
    if ticket is not None:
        summary = {
            "number": ticket.number,
            "category": ticket.category,
            "urgency": ticket.urgency,
            "severity": ticket.severity,
            "department": ticket.department,
            "status": ticket.status,
        }
    return {
        "id": message_id,
        "ticket": summary,
        "reply": {"text": reply_text} if reply_text else None,
    }
