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
from gateway.events import EventBus, EventRelay, OutboxQueued
from gateway.handling import MessageHandler
from gateway.metrics import Metrics
from gateway.outbox import OutboxWorker
from gateway.pipeline import IntakePipeline
from gateway.settings import Settings
from gateway.web.keys import (
    CLOCK,
    DATABASE,
    EVENT_RELAY,
    EVENTS,
    METRICS,
    NLU,
    OUTBOX,
    PIPELINE,
    SETTINGS,
)
from gateway.web.middlewares import auth_middleware, error_middleware
from gateway.web.routes import audit, health, parse, session
from nlu import NluService
from nlu.replies import ReplyTemplates

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0


def build_app(settings: Settings, clock: Clock = system_clock) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[error_middleware, auth_middleware],
    )
    metrics = Metrics()
    database = Database(settings.effective_database_url)
    bus = EventBus()
    relay = EventRelay(database, bus, clock)
    nlu = NluService(settings.data_dir, rasa_url=settings.rasa_url)
    channel_set = ChannelSet()
    outbox = OutboxWorker(database, channel_set.outputs, settings, metrics, clock)
    templates = ReplyTemplates(settings.data_dir / "templates")
    desk = wiring.ticket_desk(settings)
    handler = MessageHandler(desk, templates, settings)
    pipeline = IntakePipeline(database, nlu, handler, metrics, clock)
    bus.subscribe(outbox.on_queued, OutboxQueued)

    app[SETTINGS], app[DATABASE], app[NLU], app[METRICS] = settings, database, nlu, metrics
    app[PIPELINE], app[OUTBOX], app[CLOCK] = pipeline, outbox, clock
    app[EVENTS], app[EVENT_RELAY] = bus, relay

    app.cleanup_ctx.append(_storage)
    app.cleanup_ctx.append(_events)
    app.cleanup_ctx.append(_nlu)
    context = ChannelContext(
        settings=settings,
        database=database,
        clock=clock,
        intake=pipeline,
        outbox=outbox,
        metrics=metrics,
        app=app,
        events=bus,
    )
    for setup in wiring.CHANNEL_SETUPS:
        setup(context, channel_set)
    wiring.setup_handoff(context, desk, templates)
    app.cleanup_ctx.append(_workers)
    app.add_routes(health.routes)
    app.add_routes(parse.routes)
    app.add_routes(audit.routes)
    app.add_routes(session.routes)
    return app


async def _storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(app[DATABASE])
    yield
    await app[DATABASE].dispose()


async def _events(app: web.Application) -> AsyncIterator[None]:
    """Events from other processes in; events crashed processes left behind, out again."""
    tasks = [
        asyncio.create_task(app[EVENTS].run(), name="event-bus"),
        asyncio.create_task(app[EVENT_RELAY].run(), name="event-relay"),
    ]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await app[EVENT_RELAY].close()


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
    drained = await pipeline.drain(DRAIN_SECONDS)
    sent = 0
    with contextlib.suppress(Exception):
        sent = await asyncio.wait_for(outbox.send_due(), DRAIN_SECONDS)
    if drained:
        log.info("drained: every queued message processed; %d due replies sent", sent)
    else:
        log.warning(
            "drained what time allowed: %d messages still queued resume at next start; "
            "%d due replies sent",
            pipeline.queued,
            sent,
        )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
