"""`GET /api/v1/messages`: every stored inbound message, newest first, for audit; and
`POST /api/v1/messages/{id}/retry`: a person puts a parked (poison) message back."""

from __future__ import annotations

from datetime import datetime, tzinfo

from aiohttp import web

from gateway.store.messages import list_for_audit
from gateway.web.body import query_int
from gateway.web.errors import ApiError
from gateway.web.keys import DATABASE, PIPELINE, SETTINGS, TICKETS
from gateway.web.middlewares import STAFF, requires_role
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
            conn,
            request.app[TICKETS],
            channel=request.query.get("channel") or None,
            limit=limit,
            before=before,
        )
    )
    for item in page:
        item["received_at"] = _moment(item["received_at"], zone)
        item["notes"] = list(item["notes"]) if isinstance(item["notes"], list) else []
    return json_response({"messages": page, "next": str(next_cursor) if next_cursor else None})


@routes.post("/api/v1/messages/{id:[0-9]{1,18}}/retry")
@requires_role("supervisor")
async def retry_message(request: web.Request) -> web.Response:
    """202 once a parked message is queued again; 409 when it is not parked."""
    message_id = int(request.match_info["id"])
    if not await request.app[PIPELINE].retry(message_id, request[STAFF].name):
        raise ApiError(409, "not_parked", f"message {message_id} is not parked")
    return json_response({"id": message_id, "stage": "stored"}, status=202)


def _moment(value: datetime | None, zone: tzinfo) -> str | None:
    """In business time; a row stored before dates were bounded (year 1, 9999) may not
    convert, and is shown as stored rather than failing the whole page."""
    if value is None:
        return None
    try:
        return value.astimezone(zone).isoformat()
    except (OverflowError, ValueError):
        return value.isoformat()
