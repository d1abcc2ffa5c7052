"""Administrator routes: the policy (departments, agents, calendar, SLA) and sales figures.

A change takes effect on every gateway process within one transaction, without a restart.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.store import audit
from gateway.web.body import read_json_value, read_text
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from handoff.keys import DESK
from handoff.policy.policy import Policy
from handoff.policy.policy_store import PolicyError, save_policy, stored_document
from handoff.policy.sales import SalesError, import_sales, parse_sales_csv, parse_sales_json

routes = web.RouteTableDef()


@routes.get("/api/v1/admin/policy")
@requires_role("supervisor")
async def get_policy(request: web.Request) -> web.Response:
    """The current document; on a fresh install (version 0) the defaults in force, in full.
    `calendar_days` are the days off and make-up workdays in force this year and next: the
    `holidays` library's for the policy's `holiday_country`, with the policy's own."""
    version, document = await request.app[DATABASE].read(stored_document)
    if version == 0:
        document = Policy().model_dump(mode="json")
    zone = request.app[SETTINGS].zone
    _, calendar = await request.app[DATABASE].read(request.app[DESK].policy)
    this_year = request.app[CLOCK]().astimezone(zone).year
    days = {
        key: sorted(d.isoformat() for d in dates if d.year in (this_year, this_year + 1))
        for key, dates in (
            ("holidays", calendar.holidays),
            ("extra_workdays", calendar.extra_workdays),
        )
    }
    return json_response({"version": version, "policy": document, "calendar_days": days})


@routes.put("/api/v1/admin/policy")
@requires_role()
async def put_policy(request: web.Request) -> web.Response:
    document = await read_json_value(request)
    actor, now = request[STAFF].name, request.app[CLOCK]()

    def store(conn: Any) -> int:
        _, before = stored_document(conn)
        version = save_policy(conn, document, "api", actor, now)
        audit.record(conn, actor, "policy.put", f"version {version}", before, document, now)
        return version

    try:
        version = await request.app[DATABASE].write(store)
    except PolicyError as exc:
        raise ApiError(422, "invalid_policy", str(exc)) from None
    return json_response({"version": version, "policy": document})


@routes.put("/api/v1/admin/sales")
@requires_role()
async def put_sales(request: web.Request) -> web.Response:
    """Sales per product and month, as CSV (`product,month,units`) or a JSON list."""
    try:
        if request.content_type == "text/csv":
            rows = parse_sales_csv(await read_text(request))
        else:
            rows = parse_sales_json(await read_json_value(request))
    except SalesError as exc:
        raise ApiError(422, "invalid_sales", str(exc)) from None
    imported = await request.app[DATABASE].write(import_sales, rows)
    return json_response({"imported": imported})
