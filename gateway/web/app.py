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
from pathlib import Path

from aiohttp import web

from gateway import wiring
from gateway.channels import ChannelContext, ChannelSet
from gateway.clock import Clock, system_clock
from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.events import EventBus, EventRelay, OutboxQueued
from gateway.events.postgres_transport import PostgresTransport
from gateway.events.redis_transport import RedisTransport
from gateway.handling import MessageHandler
from gateway.metrics import Metrics
from gateway.outbox import OutboxWorker
from gateway.pipeline import IntakePipeline
from gateway.redis_link import RedisLink
from gateway.settings import Settings
from gateway.store import messages as message_store
from gateway.tasks import running, start, stop
from gateway.web import openapi
from gateway.web.keys import (
    CLOCK,
    DATABASE,
    EVENT_RELAY,
    EVENTS,
    METRICS,
    NLU,
    OUTBOX,
    PIPELINE,
    PROCESSES,
    RATE_LIMITER,
    REDIS,
    SETTINGS,
    TICKETS,
)
from gateway.web.middlewares import auth_middleware, error_middleware
from gateway.web.rate_limit import RateLimiter
from gateway.web.routes import audit, health, parse, session
from gateway.workers import WorkerProcesses, WorkersElsewhere
from nlu import NluService
from nlu.replies import ReplyTemplates

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0


def build_app(
    settings: Settings,
    clock: Clock = system_clock,
    *,
    worker_processes: bool = False,
    config_file: Path | None = None,
) -> web.Application:
    """The application; with `worker_processes` (what `complaint-gateway run` asks for) the
    pipeline runs in `settings.workers` processes of their own, or elsewhere for role web;
    otherwise inside this process, as the tests' gateways run it."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[error_middleware, auth_middleware],
        # Bodies are inflated by `web.body.read_bytes`, within the size limit, and an
        # unknown encoding is the contract's 415 instead of the parser's plain-text 400.
        handler_args={"auto_decompress": False},
    )
    metrics = Metrics()
    database = Database(settings.effective_database_url)
    bus = EventBus()
    relay = EventRelay(database, bus, clock)
    nlu = NluService(settings.data_dir, rasa_url=settings.rasa_url)
    channel_set = ChannelSet()
    outbox = OutboxWorker(
        database,
        channel_set.outputs,
        settings,
        metrics,
        clock,
        wiring.TICKETS,
        poll_interval=settings.poll_seconds,
    )
    templates = ReplyTemplates(settings.data_dir / "templates")
    desk = wiring.ticket_desk(settings, templates)
    handler = MessageHandler(desk)
    pipeline = IntakePipeline(
        database,
        nlu,
        handler,
        metrics,
        clock,
        wiring.TICKETS,
        max_attempts=settings.pipeline_max_attempts,
    )
    bus.subscribe(outbox.on_queued, OutboxQueued)
    link = (
        RedisLink(settings.redis_url.get_secret_value())
        if worker_processes and settings.redis_url
        else None
    )
    app[REDIS] = link
    if link is not None:
        bus.transport = RedisTransport(link.client)
    elif worker_processes and not settings.is_sqlite:
        # Other processes on this database hear of queued replies and stored messages.
        bus.transport = PostgresTransport(settings.effective_database_url)
    if worker_processes and settings.role == "web":
        pipeline.dispatch = link or WorkersElsewhere()
    elif worker_processes and settings.workers > 0:
        app[PROCESSES] = WorkerProcesses(
            settings.workers, config_file, pipeline.processed, bus.deliver
        )
        pipeline.dispatch = link or app[PROCESSES]

    app[SETTINGS], app[DATABASE], app[NLU], app[METRICS] = settings, database, nlu, metrics
    app[PIPELINE], app[OUTBOX], app[CLOCK] = pipeline, outbox, clock
    app[TICKETS] = wiring.TICKETS
    app[EVENTS], app[EVENT_RELAY] = bus, relay
    app[RATE_LIMITER] = RateLimiter(settings)

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
        registry=wiring.CHANNELS,
        tickets=wiring.TICKETS,
    )
    for channel in wiring.CHANNELS:
        channel.setup(context, channel_set)
    wiring.setup_handoff(context, desk, templates)
    app.cleanup_ctx.append(_workers)
    app.add_routes(health.routes)
    app.add_routes(parse.routes)
    app.add_routes(audit.routes)
    app.add_routes(session.routes)
    app.add_routes(openapi.routes)  # last: it describes every route added before
    return app


async def _storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(app[DATABASE])
    yield
    await app[RATE_LIMITER].close()
    await app[DATABASE].dispose()


async def _events(app: web.Application) -> AsyncIterator[None]:
    """Events from other processes in; events crashed processes left behind, out again."""
    async with running({"event-bus": app[EVENTS].run(), "event-relay": app[EVENT_RELAY].run()}):
        yield
    await app[EVENT_RELAY].close()
    await app[EVENTS].close()  # what was published is handed on first
    # Closed only now: the bus listens on the link's client, and a client closed under a
    # listening bus left it reconnecting on a dead pool, which hung the shutdown for good.
    if (link := app[REDIS]) is not None:
        await link.close()


async def _nlu(app: web.Application) -> AsyncIterator[None]:
    service = app[NLU]
    if app[PIPELINE].dispatch is not None:
        # Worker processes parse; here the model loads only if `/model/parse` is asked.
        yield
        await service.close()
        return
    # Loading may train the first model on a fresh data directory: keep the loop free.
    await asyncio.get_running_loop().run_in_executor(None, service.load)
    async with running({"nlu-model-watch": service.watch(2.0)}):
        yield
    await service.close()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    pipeline, outbox = app[PIPELINE], app[OUTBOX]
    if pipeline.dispatch is not None:
        processes, link = app.get(PROCESSES), app[REDIS]
        if processes is not None:
            await processes.start()
        tasks = [start("outbox", outbox.run())]
        if link is not None:
            tasks.append(start("redis-listen", _hear_redis(app, link)))
        yield
        if processes is not None:
            await processes.stop()  # each worker finishes its batch first
        sent = 0
        with contextlib.suppress(Exception):
            sent = await asyncio.wait_for(outbox.send_due(), DRAIN_SECONDS)
        if processes is not None:
            remaining = len(await app[DATABASE].read(message_store.pending_message_ids))
            _log_drained(remaining, sent)
        await stop(tasks)
        return  # the Redis link closes with the event bus, which shares its client
    await pipeline.resume()
    tasks = [
        start(f"pipeline-{i}", pipeline.run_worker()) for i in range(app[SETTINGS].pipeline_workers)
    ]
    tasks.append(start("pipeline-sweep", pipeline.sweep()))
    tasks.append(start("outbox", outbox.run()))
    yield
    # Finish what is in flight; anything left stays stored and is resumed at next start.
    drained = await pipeline.drain(DRAIN_SECONDS)
    sent = 0
    with contextlib.suppress(Exception):
        sent = await asyncio.wait_for(outbox.send_due(), DRAIN_SECONDS)
    _log_drained(0 if drained else pipeline.queued, sent)
    await stop(tasks)


async def _hear_redis(app: web.Application, link: RedisLink) -> None:
    """Finished messages answer waiting requests here; a reply parked by another process
    for a chat whose socket is open here is sent from here."""
    pipeline, outbox = app[PIPELINE], app[OUTBOX]
    pending: set[asyncio.Task[None]] = set()

    def parked(channel: str, conversation_key: str) -> None:
        task = asyncio.create_task(link.publish_parked(channel, conversation_key))
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def release(channel: str, conversation_key: str) -> None:
        if outbox.holds(channel, conversation_key):
            try:
                await outbox.release(channel, conversation_key)
            except Exception:
                log.exception("sending parked replies failed; the next reconnect sends them")

    outbox.park_listeners.append(parked)
    await link.listen(lambda ids: pipeline.processed(ids, ours=False), release)


def _log_drained(remaining: int, sent: int) -> None:
    """The shutdown's last word before "gateway stopped": what was finished, what was not."""
    if remaining == 0:
        log.info("drained: every queued message processed; %d due replies sent", sent)
    else:
        log.warning(
            "drained what time allowed: %d messages still unprocessed resume at next start; "
            "%d due replies sent",
            remaining,
            sent,
        )
