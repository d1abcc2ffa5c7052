"""Staff routes for tickets: read them, move them along the lifecycle, answer customers,
take a chat from the bot and give it back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.openapi import accepts
from gateway.web.query import Page, read_query
from gateway.web.responses import json_response
from handoff.desk import TicketNotFound
from handoff.keys import DESK
from handoff.policy.lifecycle import IllegalTransition, UnknownStatus
from handoff.policy.replies import queue_staff_reply
from handoff.web.views import ticket_detail, ticket_list

routes = web.RouteTableDef()

ReplyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)
]


class StatusChange(BaseModel):
    status: str


class StaffReply(BaseModel):
    text: ReplyText


class Handler(BaseModel):
    handled_by: Literal["agent", "bot"]


class TicketsQuery(Page):
    channel: str | None = Field(None, max_length=16)
    status: str | None = Field(
        None, max_length=200, description="one status, or several joined by commas"
    )
    category: str | None = Field(None, max_length=40)
    assignee: str | None = Field(None, max_length=100, description="a staff name")
    escalation: str | None = Field(None, max_length=20)
    q: str | None = Field(None, description="words in the ticket (the first 200 characters)")
    sort: Literal["newest", "due"] = "newest"


@routes.get("/api/v1/tickets")
@requires_role("agent", "supervisor")
@accepts(query=TicketsQuery)
async def list_tickets(request: web.Request) -> web.Response:
    """Tickets, newest first (or by due time), filtered by the query."""
    query = read_query(request, TicketsQuery)
    page, next_cursor = await request.app[DATABASE].read(
        lambda conn: ticket_list(
            conn,
            request.app[SETTINGS].zone,
            limit=query.limit,
            before=query.cursor,
            channel=query.channel,
            status=query.status,
            category=query.category,
            assignee=query.assignee,
            escalation=query.escalation,
            search=(query.q or "").strip()[:200] or None,
            sort=query.sort,
        )
    )
    return json_response(
        {
            "tickets": page,
            "next": str(next_cursor) if next_cursor else None,
            # The gateway's clock, so a console counts down to deadlines without trusting
            # the browser's.
            "now": request.app[CLOCK]().astimezone(request.app[SETTINGS].zone).isoformat(),
        }
    )


@routes.get("/api/v1/tickets/{number}")
@requires_role("agent", "supervisor")
async def get_ticket(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    return json_response(await _detail(request, number))


@routes.post("/api/v1/tickets/{number}/status")
@requires_role("agent", "supervisor")
@accepts(StatusChange)
async def change_status(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    body = await read_json(request, StatusChange)
    desk = request.app[DESK]
    with _desk_errors(number):
        await request.app[DATABASE].write(
            lambda conn: desk.change_status(
                conn, number, body.status, request[STAFF].name, request.app[CLOCK]()
            )
        )
    return json_response(await _detail(request, number))


@routes.post("/api/v1/tickets/{number}/replies")
@requires_role("agent", "supervisor")
@accepts(StaffReply)
async def reply(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    body = await read_json(request, StaffReply)
    desk, settings = request.app[DESK], request.app[SETTINGS]
    with _desk_errors(number):
        message = await request.app[DATABASE].write(
            queue_staff_reply,
            desk,
            number,
            body.text,
            request[STAFF].name,
            request.app[CLOCK](),
            settings.zone,
            request.headers.get("Idempotency-Key"),
        )
    return json_response(message, status=201)


@routes.post("/api/v1/tickets/{number}/handler")
@requires_role("agent", "supervisor")
@accepts(Handler)
async def set_handler(request: web.Request) -> web.Response:
    """`{"handled_by": "agent"}` takes the chat from the bot; `"bot"` gives it back."""
    number = request.match_info["number"]
    body = await read_json(request, Handler)
    desk = request.app[DESK]
    with _desk_errors(number):
        await request.app[DATABASE].write(
            lambda conn: desk.set_handler(
                conn, number, body.handled_by, request[STAFF].name, request.app[CLOCK]()
            )
        )
    return json_response(await _detail(request, number))


async def _detail(request: web.Request, number: str) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    ticket = await request.app[DATABASE].read(
        lambda conn: ticket_detail(
            conn,
            number,
            settings.zone,
            settings.data_dir,
            api_callback=settings.api_callback_url is not None,
            live_chats=request.app[DESK].live_chats,
        )
    )
    if ticket is None:
        raise _not_found(number)
    return ticket


@contextlib.contextmanager
def _desk_errors(number: str) -> Iterator[None]:
    """The desk's refusals as the API's errors."""
    try:
        yield
    except TicketNotFound:
        raise _not_found(number) from None
    except UnknownStatus as exc:
        raise ApiError(422, "unknown_status", str(exc)) from None
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc)) from None


def _not_found(number: str) -> ApiError:
    return ApiError(404, "ticket_not_found", f"no ticket {number}")
