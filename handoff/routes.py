"""Staff routes for tickets."""

from __future__ import annotations

from aiohttp import web

from gateway.web.body import query_int
from gateway.web.errors import ApiError
from gateway.web.keys import DATABASE, SETTINGS
from gateway.web.middlewares import requires_role
from handoff.views import ticket_detail, ticket_list

routes = web.RouteTableDef()


@routes.get("/api/v1/tickets")
@requires_role("agent", "supervisor")
async def list_tickets(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 50, 1, 500)
    before = query_int(request, "before", 0, 0, 2**62) or None
    page, next_cursor = await request.app[DATABASE].read(
        lambda conn: ticket_list(
            conn,
            request.app[SETTINGS].zone,
            limit=limit,
            before=before,
            channel=request.query.get("channel"),
            status=request.query.get("status"),
            category=request.query.get("category"),
        )
    )
    return web.json_response({"tickets": page, "next": str(next_cursor) if next_cursor else None})


@routes.get("/api/v1/tickets/{number}")
@requires_role("agent", "supervisor")
async def get_ticket(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    ticket = await request.app[DATABASE].read(ticket_detail, number, request.app[SETTINGS].zone)
    if ticket is None:
        raise ApiError(404, "ticket_not_found", f"no ticket {number}")
    return web.json_response(ticket)
