"""The pipeline's step for one parsed message, inside one transaction.

The message row is locked, the handling policy (`Desk.handle`) decides what it means, its
reply goes into the outbox and the message is marked done: all in the same transaction,
so the ticket, its ledger and the reply exist together or not at all, which is what makes
a retried or resumed message safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import messages
from gateway.ports import Desk, Outcome
from gateway.store import outbox
from gateway.store.messages import STAGE_DONE, STAGE_STORED


class MessageHandler:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    def apply(
        self, conn: Connection, message_id: int, parsed: dict[str, Any], now: datetime
    ) -> Outcome | None:
        """Handles a stored message once; None if another worker already did.

        The message row is locked first (PostgreSQL; SQLite has one writer anyway), so a
        second process handling the same message waits here and then finds it done.
        """
        message = conn.execute(
            sa.select(messages).where(messages.c.id == message_id).with_for_update()
        ).first()
        if message is None or message.stage != STAGE_STORED:
            return None
        outcome = self._desk.handle(conn, message, parsed, now)
        ticket_id = outcome.ticket.id if outcome.ticket else None
        if outcome.reply_text:
            outbox.enqueue(
                conn,
                channel=message.channel,
                conversation_key=message.conversation_key,
                recipient=message.sender_id,
                kind="acknowledgement" if outcome.opened_ticket else "bot_reply",
                text=outcome.reply_text,
                now=now,
                ticket_id=ticket_id,
                message_id=message.id,
                dedupe_key=f"reply:{message.id}",
                metadata={"language": outcome.language},
            )
        conn.execute(
            sa.update(messages)
            .where(messages.c.id == message.id)
            .values(
                stage=STAGE_DONE,
                language=parsed.get("language"),
                intent=(parsed.get("intent") or {}).get("name"),
                parse=parsed or None,
                ticket_id=ticket_id,
                notes=[*(message.notes or []), *outcome.notes],
            )
        )
        return outcome
