"""Typed application state: every shared object under its own `web.AppKey`."""

from __future__ import annotations

from aiohttp import web

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.metrics import Metrics
from gateway.outbox import OutboxWorker
from gateway.pipeline import IntakePipeline
from gateway.settings import Settings
from gateway.web.rate_limit import RateLimiter
from nlu import NluService

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
NLU = web.AppKey("nlu", NluService)
PIPELINE = web.AppKey("pipeline", IntakePipeline)
OUTBOX = web.AppKey("outbox", OutboxWorker)
METRICS = web.AppKey("metrics", Metrics)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
