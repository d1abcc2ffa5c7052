"""`GET /api/v1/messages/parked`: the messages the pipeline gave up on (poison messages), for
the console, where a supervisor puts one back with `POST /api/v1/messages/{id}/retry`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp import web
from pydantic import Field
from sqlalchemy.engine import Connection

from gateway.db.schema import messages
from gateway.store.messages import STAGE_PARKED
from gateway.web.keys import DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from gateway.web.openapi import accepts
from gateway.web.query import Query, read_query
from gateway.web.responses import json_response

routes = web.RouteTableDef()


class ParkedQuery(Query):
    limit: int = Field(50, ge=1, le=200, description="messages listed, newest first")


#: Enough of the text to recognise the message; the whole of it is in the audit list.
PREVIEW_CHARS = 300


def parked_messages(conn: Connection, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` parked messages and how many are parked in all."""
    rows = conn.execute(
        sa.select(
            messages.c.id,
            messages.c.channel,
            messages.c.received_at,
            messages.c.attempts,
            messages.c.notes,
            messages.c.sender_name,
            messages.c.sender_id,
            sa.func.substr(messages.c.text, 1, PREVIEW_CHARS).label("preview"),
        )
        .where(messages.c.stage == STAGE_PARKED)
        .order_by(messages.c.id.desc())
        .limit(limit)
    ).all()
    total = conn.scalar(sa.select(sa.func.count()).where(messages.c.stage == STAGE_PARKED))
    found = [
        {
            "id": r.id,
            "channel": r.channel,
            "received_at": r.received_at,
            "attempts": r.attempts,
            "sender": {"id": r.sender_id, "name": r.sender_name},
            "preview": r.preview or "",
            # The last note says why it was parked (the pipeline's error).
            "notes": [str(n) for n in r.notes] if isinstance(r.notes, list) else [],
        }
        for r in rows
    ]
    return found, int(total or 0)


@routes.get("/api/v1/messages/parked")
@requires_role("agent", "supervisor")
@accepts(query=ParkedQuery)
async def list_parked(request: web.Request) -> web.Response:
    """`{"messages": [{"id", "channel", "received_at", "attempts", "sender", "preview",
    "notes"}], "total": N}`, newest first."""
    limit = read_query(request, ParkedQuery).limit
    found, total = await request.app[DATABASE].read(parked_messages, limit)
    zone = request.app[SETTINGS].zone
    for item in found:
        try:
            item["received_at"] = item["received_at"].astimezone(zone).isoformat()
        except (OverflowError, ValueError):  # a row from before dates were bounded
            item["received_at"] = item["received_at"].isoformat()
    return json_response({"messages": found, "total": total})
