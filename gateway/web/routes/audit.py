"""`GET /api/v1/messages`: every stored inbound message, newest first, for audit."""

from __future__ import annotations

from aiohttp import web

from gateway.store.messages import list_for_audit
from gateway.web.body import query_int
from gateway.web.keys import DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from gateway.web.responses import json_response

routes = web.RouteTableDef()


@routes.get("/api/v1/messages")
@requires_role("agent", "supervisor")
async def list_messages(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 50, 1, 500)
    before = query_int(request, "before", 0, 0, 2**62) or None
    zone = request.app[SETTINGS].zone
    page, next_cursor = await request.app[DATABASE].read(
        lambda conn: list_for_audit(
            conn, channel=request.query.get("channel") or None, limit=limit, before=before
        )
    )
    for item in page:
        item["received_at"] = item["received_at"].astimezone(zone).isoformat()
        item["notes"] = item["notes"] or []
    return json_response({"messages": page, "next": str(next_cursor) if next_cursor else None})
