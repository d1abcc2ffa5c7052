"""Typed application state: every shared object under its own `web.AppKey`."""

from __future__ import annotations

from aiohttp import web

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.events import EventBus, EventRelay
from gateway.metrics import Metrics
from gateway.outbox import OutboxWorker
from gateway.pipeline import IntakePipeline
from gateway.ports import TicketIndex
from gateway.redis_link import RedisLink
from gateway.settings import Settings
from gateway.web.rate_limit import RateLimiter
from gateway.workers import WorkerProcesses
from nlu import NluService

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
NLU = web.AppKey("nlu", NluService)
PIPELINE = web.AppKey("pipeline", IntakePipeline)
OUTBOX = web.AppKey("outbox", OutboxWorker)
METRICS = web.AppKey("metrics", Metrics)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
TICKETS: web.AppKey[TicketIndex] = web.AppKey("tickets")
#: Set by `complaint-gateway run`: Redis between processes (with GATEWAY_REDIS_URL).
REDIS: web.AppKey[RedisLink | None] = web.AppKey("redis")
EVENTS = web.AppKey("events", EventBus)
EVENT_RELAY = web.AppKey("event_relay", EventRelay)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
PROCESSES = web.AppKey("worker_processes", WorkerProcesses)
