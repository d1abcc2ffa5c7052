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
from gateway.store.outbox import SENDING, SENT
from handoff.schema import tickets

LIMIT = 200


def sent_after(conn: Connection, conversation_key: str, after: int) -> list[OutboundMessage]:
    rows = conn.execute(
        sa.select(outbox, tickets.c.number)
        .select_from(outbox.outerjoin(tickets, outbox.c.ticket_id == tickets.c.id))
        .where(
            outbox.c.channel == "web_chat",
            outbox.c.conversation_key == conversation_key,
            # "sending" too: a reply claimed for the dying socket is not marked sent yet
            # when the page reconnects, and the widget drops a repeat by its id.
            outbox.c.status.in_((SENT, SENDING)),
            outbox.c.id > after,
        )
        .order_by(outbox.c.id)
        .limit(LIMIT)
    ).all()
    return [
        OutboundMessage(
            id=int(row.id),
            channel=row.channel,
            conversation_key=row.conversation_key,
            recipient=row.recipient,
            text=row.text,
            kind=row.kind,
            ticket_number=row.number,
            choices=tuple(
                Choice(c["label"], c["value"]) for c in (row.metadata or {}).get("choices", ())
            ),
            author=row.author or "bot",
        )
        for row in rows
    ]
