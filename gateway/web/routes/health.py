"""Liveness and metrics."""

from __future__ import annotations

import sqlalchemy as sa
from aiohttp import web

from gateway.web.errors import error_response
from gateway.web.keys import DATABASE, METRICS
from gateway.web.responses import json_response

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 when a message posted now would be stored."""
    try:
        await request.app[DATABASE].read(lambda conn: conn.execute(sa.text("SELECT 1")))
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    return json_response({"status": "ok"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(
        body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    )
