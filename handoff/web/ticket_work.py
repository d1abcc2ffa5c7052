"""What an agent does on a ticket besides replying: internal notes, transfers, and the
canned replies offered in the customer's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from aiohttp import web
from pydantic import BaseModel, StringConstraints, model_validator

from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from handoff import ledger
from handoff.keys import DESK
from handoff.policy import lifecycle
from handoff.policy.transfer import UnknownTarget, transfer

routes = web.RouteTableDef()

CANNED_REPLIES = Path(__file__).parent / "data" / "canned_replies.yaml"
LANGUAGES = ("en", "ru", "zh-Hans", "zh-Hant")

NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class Note(BaseModel):
    text: NoteText


class Transfer(BaseModel):
    agent: str | None = None
    department: str | None = None

    @model_validator(mode="after")
    def one_target(self) -> Transfer:
        if (self.agent is None) == (self.department is None):
            raise ValueError("give either agent or department")
        return self


@routes.post("/api/v1/tickets/{number}/notes")
@requires_role("agent", "supervisor")
async def add_note(request: web.Request) -> web.Response:
    """An internal note: a ledger event for staff only. It never enters the outbox, so no
    channel ever carries it to the customer. 201 with the event."""
    number = request.match_info["number"]
    body = await read_json(request, Note)
    actor, now = request[STAFF].name, request.app[CLOCK]()

    def write(conn: Any) -> bool:
        ticket = lifecycle.load_ticket(conn, number)
        if ticket is None:
            return False
        ledger.append(conn, ticket.id, "internal_note", actor, {"text": body.text}, now)
        return True

    if not await request.app[DATABASE].write(write):
        raise ApiError(404, "ticket_not_found", f"no ticket {number}")
    event = {
        "type": "internal_note",
        "at": now.astimezone(request.app[SETTINGS].zone).isoformat(),
        "actor": actor,
        "data": {"text": body.text},
    }
    return json_response(event, status=201)


@routes.post("/api/v1/tickets/{number}/transfer")
@requires_role("agent", "supervisor")
async def transfer_ticket(request: web.Request) -> web.Response:
    """`{"agent": NAME}` gives the ticket to that agent (moving it to their department);
    `{"department": NAME}` puts it in that department's queue, where routing picks an agent
    with room. The new holder is notified. 200 with `{"number", "assignee", "department"}`."""
    number = request.match_info["number"]
    body = await read_json(request, Transfer)
    desk, actor, now = request.app[DESK], request[STAFF].name, request.app[CLOCK]()

    def write(conn: Any) -> dict[str, Any] | None:
        ticket = lifecycle.load_ticket(conn, number)
        if ticket is None:
            return None
        transfer(
            conn,
            desk.policy(conn)[0],
            ticket,
            actor,
            now,
            agent=body.agent,
            department=body.department,
        )
        moved = lifecycle.load_ticket(conn, number, lock=False)
        return {"number": number, "assignee": moved.assignee, "department": moved.department}

    try:
        moved = await request.app[DATABASE].write(write)
    except UnknownTarget as exc:
        raise ApiError(422, "unknown_target", str(exc)) from None
    if moved is None:
        raise ApiError(404, "ticket_not_found", f"no ticket {number}")
    return json_response(moved)


@cache
def canned_replies() -> list[dict[str, str]]:
    entries = yaml.safe_load(CANNED_REPLIES.read_text(encoding="utf-8"))
    return [
        {"name": entry["name"], "language": language, "text": entry[language]}
        for entry in entries
        for language in LANGUAGES
        if language in entry
    ]


@routes.get("/api/v1/canned-replies")
@requires_role("agent", "supervisor")
async def list_canned_replies(request: web.Request) -> web.Response:
    """`{"replies": [{"name", "language", "text"}]}`, optionally for one `language`; the
    text holds `{customer_name}`, `{ticket_number}` and `{agent_name}` placeholders."""
    language = request.query.get("language")
    replies = [r for r in canned_replies() if language in (None, r["language"])]
    return json_response({"replies": replies})
