"""Builds the aiohttp application.

Every object is built here, synchronously, so routes and channels can hold real references;
each resource then starts and stops in its own `cleanup_ctx` generator, read top to bottom
as start-up and bottom to top as shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import wiring
from gateway.channels import ChannelContext, ChannelSet
from gateway.clock import Clock, system_clock
from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.handling import MessageHandler
from gateway.metrics import Metrics
from gateway.outbox import OutboxWorker
from gateway.pipeline import IntakePipeline
from gateway.settings import Settings
from gateway.web import openapi
from gateway.web.keys import (
    CLOCK,
    DATABASE,
    METRICS,
    NLU,
    OUTBOX,
    PIPELINE,
    RATE_LIMITER,
    SETTINGS,
)
from gateway.web.middlewares import auth_middleware, error_middleware
from gateway.web.rate_limit import RateLimiter
from gateway.web.routes import audit, data_rights, health, parse
from nlu import NluService
from nlu.replies import ReplyTemplates

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0


def build_app(settings: Settings, clock: Clock = system_clock) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[error_middleware, auth_middleware],
        # Bodies are inflated by `web.body.read_bytes`, within the size limit, and an
        # unknown encoding is the contract's 415 instead of the parser's plain-text 400.
        handler_args={"auto_decompress": False},
    )
    metrics = Metrics()
    database = Database(settings.effective_database_url)
    nlu = NluService(settings.data_dir, rasa_url=settings.rasa_url)
    channel_set = ChannelSet()
    outbox = OutboxWorker(database, channel_set.outputs, settings, metrics, clock)
    templates = ReplyTemplates(settings.data_dir / "templates")
    desk = wiring.ticket_desk(settings)
    handler = MessageHandler(desk, templates, settings)
    pipeline = IntakePipeline(
        database, nlu, handler, metrics, clock, max_attempts=settings.pipeline_max_attempts
    )
    pipeline.reply_listeners.append(outbox.wake)

    app[SETTINGS], app[DATABASE], app[NLU], app[METRICS] = settings, database, nlu, metrics
    app[PIPELINE], app[OUTBOX], app[CLOCK] = pipeline, outbox, clock
    app[RATE_LIMITER] = RateLimiter(settings)

    app.cleanup_ctx.append(_storage)
    app.cleanup_ctx.append(_nlu)
    context = ChannelContext(
        settings=settings,
        database=database,
        clock=clock,
        intake=pipeline,
        outbox=outbox,
        metrics=metrics,
        app=app,
    )
    for setup in wiring.CHANNEL_SETUPS:
        setup(context, channel_set)
    wiring.setup_handoff(context, desk, templates)
    app.cleanup_ctx.append(_workers)
    app.add_routes(health.routes)
    app.add_routes(parse.routes)
    app.add_routes(audit.routes)
    app.add_routes(data_rights.routes)
    app.add_routes(openapi.routes)
    return app


async def _storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(app[DATABASE])
    yield
    await app[RATE_LIMITER].close()
    await app[DATABASE].dispose()


async def _nlu(app: web.Application) -> AsyncIterator[None]:
    service = app[NLU]
    # Loading may train the first model on a fresh data directory: keep the loop free.
    await asyncio.get_running_loop().run_in_executor(None, service.load)
    watcher = asyncio.create_task(service.watch(2.0), name="nlu-model-watch")
    yield
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    await service.close()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    pipeline, outbox = app[PIPELINE], app[OUTBOX]
    await pipeline.resume()
    tasks = [
        asyncio.create_task(pipeline.run_worker(), name=f"pipeline-{i}")
        for i in range(app[SETTINGS].pipeline_workers)
    ]
    tasks.append(asyncio.create_task(pipeline.sweep(), name="pipeline-sweep"))
    tasks.append(asyncio.create_task(outbox.run(), name="outbox"))
    yield
    # Finish what is in flight; anything left stays stored and is resumed at next start.
    if not await pipeline.drain(DRAIN_SECONDS):
        log.warning("shutdown with messages still queued; they resume at next start")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(outbox.send_due(), DRAIN_SECONDS)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
