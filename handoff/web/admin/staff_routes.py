"""Administrator routes for staff accounts and the audit log.

A new agent account takes tickets at once (every department and language) until the policy
lists it; a disabled account's token stops at once, and it is set offline so routing skips
it even where the policy names it.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.store import audit
from gateway.store.staff import (
    StaffNameTaken,
    StaffNotFound,
    add_staff,
    list_staff,
    reissue_token,
    update_staff,
)
from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.openapi import accepts
from gateway.web.query import Query, read_query
from gateway.web.responses import json_response
from handoff.policy import routing

routes = web.RouteTableDef()

Role = Literal["admin", "supervisor", "agent"]


class NewStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    role: Role


class StaffChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    disabled: bool | None = None


@routes.get("/api/v1/admin/staff")
@requires_role()
async def get_staff(request: web.Request) -> web.Response:
    """`{"staff": [{"name", "role", "disabled", "created_at", "disabled_at"}]}`."""
    return json_response({"staff": await request.app[DATABASE].read(list_staff)})


@routes.post("/api/v1/admin/staff")
@requires_role()
async def post_staff(request: web.Request) -> web.Response:
    """`{"name", "role"}` → 201 `{"name", "role", "token"}`; the token is shown only here."""
    body = await read_json(request, NewStaff)
    now, actor = request.app[CLOCK](), request[STAFF].name
    try:
        token = await request.app[DATABASE].write(add_staff, body.name, body.role, now, actor)
    except StaffNameTaken:
        raise ApiError(409, "conflict", f"a staff account named {body.name!r} exists") from None
    return json_response({"name": body.name, "role": body.role, "token": token}, status=201)


@routes.patch("/api/v1/admin/staff/{name}")
@requires_role()
async def patch_staff(request: web.Request) -> web.Response:
    """`{"role"?, "disabled"?}` → the account; disabling stops its token and its routing."""
    body = await read_json(request, StaffChange)
    name, now, actor = request.match_info["name"], request.app[CLOCK](), request[STAFF].name
    if name == actor and (body.disabled or (body.role and body.role != "admin")):
        raise ApiError(409, "conflict", "an administrator cannot disable or demote themselves")

    def change(conn: Any) -> dict[str, Any]:
        account = update_staff(conn, name, now, actor, role=body.role, disabled=body.disabled)
        if account["disabled"]:
            routing.set_presence(conn, name, "offline", now)
        return account

    try:
        return json_response(await request.app[DATABASE].write(change))
    except StaffNotFound:
        raise ApiError(404, "not_found", f"no staff account named {name!r}") from None


@routes.post("/api/v1/admin/staff/{name}/token")
@requires_role()
async def post_token(request: web.Request) -> web.Response:
    """A new token for the account (`{"name", "token"}`); the old one stops working."""
    name, now = request.match_info["name"], request.app[CLOCK]()
    try:
        token = await request.app[DATABASE].write(reissue_token, name, now, request[STAFF].name)
    except StaffNotFound:
        raise ApiError(404, "not_found", f"no staff account named {name!r}") from None
    return json_response({"name": name, "token": token})


class AuditQuery(Query):
    limit: int = Field(200, ge=1, le=1000)
    action: str = Field("", max_length=100, description="keeps actions starting with this")
    subject: str | None = Field(None, max_length=255, description="one thing changed")


@routes.get("/api/v1/admin/audit")
@requires_role()
@accepts(query=AuditQuery)
async def get_audit(request: web.Request) -> web.Response:
    """`{"entries": [{"id", "actor", "action", "subject", "before", "after", "at"}]}`, newest
    first; `?action=staff.` keeps one kind of change, `?subject=` one thing changed."""
    query = read_query(request, AuditQuery)
    found = await request.app[DATABASE].read(
        lambda conn: audit.entries(
            conn, action_prefix=query.action, subject=query.subject, limit=query.limit
        )
    )
    return json_response({"entries": found})
