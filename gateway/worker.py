"""A pipeline worker process: loads the NLU model once, then claims stored messages and
turns them into tickets and replies, a batch at a time.

Started by `complaint-gateway run` (role `all` or `worker`, `GATEWAY_WORKERS` of them) as
`python -m gateway.worker`. Work is found in the database, the source of truth: a worker
claims stored messages for a while (`claim_stored`), so a worker killed mid-batch only
delays its messages until the claim runs out and another worker takes them. What wakes a
worker early is a line on its stdin (the parent stored something), with Redis the stream
(`gateway.redis_link`), and on PostgreSQL without Redis a notification of any process's
stored messages (LISTEN/NOTIFY); looking every `GATEWAY_POLL_SECONDS` is only the safety
net. On stdout it says it is ready with an empty line, then reports each finished batch as
one line of message ids (answers for the parent's waiting requests) and, on SQLite without
Redis, each event its transactions emitted as a JSON line, which the parent's event bus
delivers (the reply queued wakes the outbox there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

from redis.exceptions import RedisError

from gateway import wiring
from gateway.clock import system_clock
from gateway.db.engine import Database
from gateway.events import Event, EventBus, EventRelay, LocalTransport, MessageStored, Transport
from gateway.events.postgres_transport import PostgresTransport
from gateway.events.redis_transport import RedisTransport
from gateway.handling import MessageHandler
from gateway.logs import configure_logging
from gateway.metrics import Metrics
from gateway.pipeline import BATCH_SIZE, IntakePipeline
from gateway.redis_link import RedisLink, consumer_name
from gateway.settings import Settings, load_settings
from gateway.store import messages as message_store
from gateway.tasks import running, start, stop
from nlu import NluService
from nlu.replies import ReplyTemplates

log = logging.getLogger("gateway.worker")

#: After a failed batch, before the next try.
FAILURE_PAUSE_SECONDS = 0.5
#: With Redis, how often the database is searched for what the stream lost.
SWEEP_SECONDS = 2.0
STREAM_BLOCK_MS = 500
#: Workers yield the CPU to the process that accepts: on a busy machine a flood being
#: processed must not slow the acknowledgements (the backlog waits durably in the database).
NICENESS = 5


class PipelineWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.effective_database_url)
        self.nlu = NluService(settings.data_dir, rasa_url=settings.rasa_url)
        templates = ReplyTemplates(settings.data_dir / "templates")
        handler = MessageHandler(wiring.ticket_desk(settings, templates))
        self.pipeline = IntakePipeline(
            self.database,
            self.nlu,
            handler,
            Metrics(),
            system_clock,
            wiring.TICKETS,
            max_attempts=settings.pipeline_max_attempts,
        )
        self.lease = timedelta(seconds=settings.pipeline_claim_seconds)
        self.wakeup = asyncio.Event()
        self.stopping = False
        self.link = RedisLink(settings.redis_url.get_secret_value()) if settings.redis_url else None
        # What the ticket transactions emit (tickets opened, replies queued) reaches the
        # other processes' subscribers.
        self.bus = EventBus(_transport(settings, self.link))
        # On PostgreSQL without Redis, other processes' stored messages wake this one
        # (LISTEN/NOTIFY); the poll is only the safety net.
        self.bus.subscribe(self._on_stored, MessageStored)
        self.relay = EventRelay(self.database, self.bus, system_clock)
        self._consumer = consumer_name()
        self._next_sweep = 0.0
        self._redis_down = False

    async def run(self) -> None:
        """Claims and processes until `stop`; finishes the batch in hand first."""
        await asyncio.get_running_loop().run_in_executor(None, self.nlu.load)
        _report([])  # an empty line: ready, the model is loaded
        tasks = [
            start("nlu-model-watch", self.nlu.watch(2.0)),
            start("event-relay", self.relay.run()),
        ]
        if self.link is None:  # with Redis, the stream wakes this worker
            tasks.append(start("event-bus", self.bus.run()))
        try:
            while not self.stopping:
                done = await (self.work_once() if self.link is None else self._from_stream())
                if done:
                    _report(done)
                    if self.link is not None:
                        await self.link.publish_finished(done)
                    continue
                if self.link is not None and not self._redis_down:
                    continue  # the stream read blocked already
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), self.settings.poll_seconds)
                self.wakeup.clear()
        finally:
            await stop(tasks)
            await self.relay.close()
            await self.bus.close()
            await self.nlu.close()
            await self.database.dispose()
            if self.link is not None:
                await self.link.close()

    async def _from_stream(self) -> list[int]:
        """One step with Redis: the database sweep when due, else the stream's new entries
        or those a dead worker left; each entry acknowledged once its batch committed."""
        assert self.link is not None
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + SWEEP_SECONDS
            if done := await self.work_once():
                if len(done) == BATCH_SIZE:
                    # A backlog the stream does not know (Redis lost entries, or was away):
                    # drain it at full speed, not one batch per sweep interval.
                    self._next_sweep = 0.0
                return done
        try:
            entries = await self.link.read_work(self._consumer, BATCH_SIZE, STREAM_BLOCK_MS)
            if not entries:
                idle_ms = int(self.lease.total_seconds() * 1000)
                entries = await self.link.claim_stale(self._consumer, idle_ms, BATCH_SIZE)
        except (RedisError, OSError) as exc:
            if not self._redis_down:
                log.warning("redis unavailable (%s); working from the database", exc)
            self._redis_down = True
            return await self.work_once()
        if self._redis_down:
            log.info("redis is back")
            self._redis_down = False
        if not entries:
            return []
        done = await self.work_once([message_id for _, message_id in entries])
        with contextlib.suppress(RedisError, OSError):
            await self.link.ack([entry for entry, _ in entries])
        return done

    async def work_once(self, message_ids: list[int] | None = None) -> list[int]:
        """Claims up to a batch (among `message_ids` if given) and processes it; returns the
        ids it finished (empty when there was nothing to claim)."""
        try:
            rows = await self.database.write(
                message_store.claim_stored, system_clock(), self.lease, BATCH_SIZE, message_ids
            )
            if rows:
                await self.pipeline.process_claimed(rows)
            return [int(r.id) for r in rows]
        except Exception:
            # The messages stay stored; their claims run out and they are taken again.
            log.exception("pipeline batch failed")
            await asyncio.sleep(FAILURE_PAUSE_SECONDS)
            return []

    def _on_stored(self, _event: MessageStored) -> None:
        self.wakeup.set()

    def stop(self) -> None:
        self.stopping = True
        self.wakeup.set()


def _transport(settings: Settings, link: RedisLink | None) -> Transport:
    """Where what the ticket transactions emit (tickets opened, replies queued) goes: to
    every process through Redis or PostgreSQL's LISTEN/NOTIFY, or on SQLite to the parent."""
    if link is not None:
        return RedisTransport(link.client)
    if not settings.is_sqlite:
        return PostgresTransport(settings.effective_database_url)
    return ParentPipe()


class ParentPipe(LocalTransport):
    """Without Redis: events go to the parent process as JSON lines on stdout."""

    async def send(self, events: list[Event]) -> None:
        for event in events:
            _write_line(json.dumps(event.to_dict(), ensure_ascii=False))


def _report(message_ids: list[int]) -> None:
    _write_line(" ".join(map(str, message_ids)))


def _write_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _read_wakeups(worker: PipelineWorker) -> None:
    """Each line on stdin wakes the worker; end of input (the parent went away) stops it."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.readline():
        worker.wakeup.set()
    worker.stop()


async def _main(settings: Settings) -> None:
    worker = PipelineWorker(settings)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, worker.stop)
    # Ctrl-C reaches the whole process group: the parent decides when workers stop (it
    # closes their stdin once its requests are answered).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    async with running({"worker-wakeups": _read_wakeups(worker)}):
        await worker.run()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.worker")
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    settings = load_settings(args.config)
    configure_logging(settings.log_level, settings.log_format)
    os.nice(NICENESS)
    log.info("pipeline worker %d started", os.getpid())
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
