"""Learning from agents: a correction of a ticket's category or urgency is recorded in the
ticket's ledger and queued for an administrator, who accepts it as a training example
(the ticket's first customer message, under the corrected intent) or rejects it.

The ticket keeps its department and deadlines: a correction teaches the model, and moving
the ticket is a transfer, which the console does separately.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection

from gateway.db.schema import messages
from gateway.store import audit
from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from handoff import ledger
from handoff.keys import DESK
from handoff.schema import nlu_corrections, tickets
from handoff.web.admin.nlu_data import ExampleFiles, as_dict
from nlu.intents import COMPLAINT_INTENTS, URGENCY_INTENT_PREFIX, URGENCY_LEVELS
from nlu.training_data import Example

routes = web.RouteTableDef()


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str | None = None
    urgency: str | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str


class Refused(ValueError):
    pass


def correct_ticket(
    conn: Connection,
    number: str,
    change: Correction,
    categories: set[str],
    actor: str,
    now: datetime,
) -> dict[str, Any] | None:
    """Applies the correction, with a ledger event and a review entry per changed field;
    None when there is no such ticket."""
    ticket = conn.execute(sa.select(tickets).where(tickets.c.number == number)).first()
    if ticket is None:
        return None
    if change.category is not None and change.category not in categories:
        raise Refused(f"category must be one of {', '.join(sorted(categories))}")
    if change.urgency is not None and change.urgency not in URGENCY_LEVELS:
        raise Refused(f"urgency must be one of {', '.join(URGENCY_LEVELS)}")
    first = conn.execute(
        sa.select(messages.c.text, messages.c.language)
        .where(messages.c.ticket_id == ticket.id)
        .order_by(messages.c.id)
        .limit(1)
    ).first()
    values: dict[str, Any] = {}
    for field, new in (("category", change.category), ("urgency", change.urgency)):
        old = getattr(ticket, field)
        if new is None or new == old:
            continue
        values[field] = new
        ledger.append(
            conn, ticket.id, "corrected", actor, {"field": field, "from": old, "to": new}, now
        )
        if first is not None and first.text.strip():
            conn.execute(
                sa.insert(nlu_corrections).values(
                    ticket_id=ticket.id,
                    field=field,
                    from_value=old,
                    to_value=new,
                    text=first.text,
                    language=first.language or ticket.language,
                    actor=actor,
                    created_at=now,
                    state="pending",
                )
            )
    if values:
        conn.execute(
            sa.update(tickets).where(tickets.c.id == ticket.id).values(updated_at=now, **values)
        )
    row = conn.execute(sa.select(tickets).where(tickets.c.id == ticket.id)).one()
    return {"number": row.number, "category": row.category, "urgency": row.urgency}


def _as_dict(row: Any, number: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "ticket": number,
        "field": row.field,
        "from": row.from_value,
        "to": row.to_value,
        "text": row.text,
        "language": row.language,
        "actor": row.actor,
        "at": row.created_at.isoformat(),
        "state": row.state,
    }


def review_queue(conn: Connection, state: str) -> dict[str, Any]:
    """Corrections in `state` (newest first) and, over all of them, how many each intent got
    (by the intent the model had chosen: where it is weak)."""
    rows = conn.execute(
        sa.select(nlu_corrections, tickets.c.number)
        .join(tickets, tickets.c.id == nlu_corrections.c.ticket_id)
        .where(nlu_corrections.c.state == state)
        .order_by(nlu_corrections.c.id.desc())
        .limit(500)
    ).all()
    counts = conn.execute(
        sa.select(nlu_corrections.c.from_value, sa.func.count())
        .where(nlu_corrections.c.field == "category")
        .group_by(nlu_corrections.c.from_value)
    ).all()
    return {
        "corrections": [_as_dict(row, row.number) for row in rows],
        "per_intent": {intent: int(n) for intent, n in counts},
    }


def decide(conn: Connection, correction: int, accept: bool, actor: str, now: datetime) -> Any:
    row = conn.execute(sa.select(nlu_corrections).where(nlu_corrections.c.id == correction)).first()
    if row is None or row.state != "pending":
        return row
    state = "accepted" if accept else "rejected"
    conn.execute(
        sa.update(nlu_corrections)
        .where(nlu_corrections.c.id == correction)
        .values(state=state, reviewed_by=actor, reviewed_at=now)
    )
    audit.record(
        conn,
        actor,
        f"correction.{state[:-2]}",
        f"correction {correction}",
        None,
        {"field": row.field, "to": row.to_value, "text": row.text},
        now,
    )
    return row


@routes.patch("/api/v1/tickets/{number}")
@requires_role("agent", "supervisor")
async def patch_ticket(request: web.Request) -> web.Response:
    """`{"category"?, "urgency"?}`: an agent's correction; recorded in the ledger and queued
    for an administrator's review as a training example."""
    body = await read_json(request, Correction)
    number, actor, now = request.match_info["number"], request[STAFF].name, request.app[CLOCK]()
    desk = request.app[DESK]

    def apply(conn: Connection) -> dict[str, Any] | None:
        policy, _ = desk.policy(conn)
        known = set(COMPLAINT_INTENTS)
        for department in policy.departments.values():
            known.update(department.categories)
        return correct_ticket(conn, number, body, known, actor, now)

    try:
        found = await request.app[DATABASE].write(apply)
    except Refused as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    if found is None:
        raise ApiError(404, "not_found", f"no ticket {number}")
    return json_response(found)


@routes.get("/api/v1/admin/nlu/corrections")
@requires_role()
async def get_corrections(request: web.Request) -> web.Response:
    """`{"corrections": [...], "per_intent": {intent: count}}`; `?state=pending` (default),
    `accepted` or `rejected`."""
    state = request.query.get("state", "pending")
    if state not in ("pending", "accepted", "rejected"):
        raise ApiError(400, "invalid_query", "state must be pending, accepted or rejected")
    return json_response(await request.app[DATABASE].read(review_queue, state))


@routes.post("/api/v1/admin/nlu/corrections/{id}")
@requires_role()
async def post_decision(request: web.Request) -> web.Response:
    """`{"decision": "accept" | "reject"}`; accepting adds the ticket's first message as a
    training example of the corrected intent (urgency as `urgency_<level>`)."""
    body = await read_json(request, Decision)
    if body.decision not in ("accept", "reject"):
        raise ApiError(422, "validation_error", "decision must be accept or reject")
    try:
        correction = int(request.match_info["id"])
    except ValueError:
        raise ApiError(404, "not_found", "no such correction") from None
    accept, actor, now = body.decision == "accept", request[STAFF].name, request.app[CLOCK]()
    row = await request.app[DATABASE].write(decide, correction, accept, actor, now)
    if row is None:
        raise ApiError(404, "not_found", f"no correction {correction}")
    if row.state != "pending":
        raise ApiError(409, "conflict", f"correction {correction} was {row.state} already")
    example = None
    if accept:
        intent = row.to_value if row.field == "category" else URGENCY_INTENT_PREFIX + row.to_value
        added = Example(" ".join(row.text.split()), intent, row.language)
        files = ExampleFiles(request.app[SETTINGS].data_dir)
        current = files.examples()
        if added not in current:
            files.replace([*current, added])
        example = as_dict(added)
    return json_response({"id": correction, "decision": body.decision, "example": example})
