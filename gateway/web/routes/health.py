"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from aiohttp import web
from redis.exceptions import RedisError

from gateway.store import messages as message_store
from gateway.web.errors import error_response
from gateway.web.keys import CLOCK, DATABASE, METRICS, NLU, PIPELINE, PROCESSES, REDIS
from gateway.web.responses import json_response

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 when a message posted now would be stored."""
    try:
        await request.app[DATABASE].read(lambda conn: conn.execute(sa.text("SELECT 1")))
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 once complaints are also answered: the pipeline's NLU model is loaded (the first
    start trains one from the shipped data, a minute or more; intake is open meanwhile)."""
    version = await asyncio.to_thread(request.app[NLU].store.latest)
    processes = request.app.get(PROCESSES)
    if processes is not None:
        ready = processes.ready  # this process's pipeline workers loaded their model
    elif request.app[PIPELINE].dispatch is None:
        ready = bool(request.app[NLU].model_version)  # the pipeline runs in this process
    else:
        ready = version is not None  # role web: the workers run elsewhere
    if not ready or version is None:
        return error_response(
            503, "nlu_loading", "the NLU model is loading or being trained; messages are stored"
        )
    return json_response({"status": "ready", "nlu_model": version})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.StreamResponse:
    figures = request.app[METRICS]
    # The backlog figures are read when asked for, not kept up to date between scrapes.
    oldest = await request.app[DATABASE].read(message_store.oldest_unprocessed)
    age = (request.app[CLOCK]() - oldest).total_seconds() if oldest is not None else 0.0
    figures.oldest_unprocessed.set(max(age, 0.0))
    link = request.app.get(REDIS)
    if link is not None:
        try:
            lag, pending = await link.stream_figures()
        except (RedisError, OSError) as exc:
            log.warning("stream figures unavailable: %s", exc)
        else:
            figures.stream_lag.set(lag)
            figures.stream_pending.clear()
            for consumer, count in pending.items():
                figures.stream_pending.labels(consumer).set(count)
    return await figures.exposition(request)
