"""Replies a reconnecting widget may have missed: a frame written to a socket that was
already dying counts as sent, yet never reached the page. The widget names the last reply
it shows (`hello`'s `after`), and every later reply the outbox sent (or is sending) is sent
again; the
widget drops any it already has by its id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.schema import outbox
from gateway.messages import Choice, OutboundMessage
from gateway.ports import TicketIndex
from gateway.store.outbox import DELIVERED, SENDING, SENT

LIMIT = 200


def sent_after(
    conn: Connection, tickets: TicketIndex, conversation_key: str, after: int
) -> list[OutboundMessage]:
    rows = conn.execute(
        sa.select(outbox)
        .where(
            outbox.c.channel == "web_chat",
            outbox.c.conversation_key == conversation_key,
            # "sending" too: a reply claimed for the dying socket is not marked sent yet
            # when the page reconnects, and the widget drops a repeat by its id.
            outbox.c.status.in_((SENT, SENDING, DELIVERED)),
            outbox.c.id > after,
        )
        .order_by(outbox.c.id)
        .limit(LIMIT)
    ).all()
    numbers = tickets.numbers(conn, {row.ticket_id for row in rows if row.ticket_id})
    return [
        OutboundMessage(
            id=int(row.id),
            channel=row.channel,
            conversation_key=row.conversation_key,
            recipient=row.recipient,
            text=row.text,
            kind=row.kind,
            ticket_number=numbers.get(row.ticket_id) if row.ticket_id else None,
            choices=tuple(
                Choice(c["label"], c["value"]) for c in (row.metadata or {}).get("choices", ())
            ),
            author=row.author or "bot",
        )
        for row in rows
    ]
