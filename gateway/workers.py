"""The main process's side of the pipeline worker processes: starts them, wakes them when
messages are stored, hears which messages they finished, and restarts one that dies.

The pipes only make things fast; the database is what is true. A worker that dies mid-batch
leaves claims that run out, and another worker takes those messages over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from gateway.events import Event
from gateway.tasks import start, stop

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0
STOP_SECONDS = 10.0

Finished = Callable[[list[int]], None]
Deliver = Callable[[Event], Awaitable[None]]


class WorkerProcesses:
    """`count` processes of `python -m gateway.worker`; a `Dispatch` for the pipeline."""

    def __init__(
        self, count: int, config: Path | None, on_finished: Finished, on_event: Deliver
    ) -> None:
        self._count = count
        self._config = config
        self._on_finished = on_finished
        self._on_event = on_event
        self._procs: list[asyncio.subprocess.Process | None] = [None] * count
        self._tasks: list[asyncio.Task[None]] = []
        self._stored = asyncio.Event()
        self._ready = [asyncio.Event() for _ in range(count)]
        self._stopping = False

    def stored(self, message_id: int) -> None:
        self._stored.set()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p is not None]

    async def start(self) -> None:
        self._tasks = [start(f"pipeline-process-{i}", self._keep(i)) for i in range(self._count)]
        self._tasks.append(start("pipeline-wake", self._wake()))
        # No waiting for the workers here: the web process listens (and stores messages) at
        # once, even while a first start trains the model; `/readyz` tells when they work.

    @property
    def ready(self) -> bool:
        """Every worker has loaded its model and taken work."""
        return all(event.is_set() for event in self._ready)

    async def stop(self) -> None:
        """Lets each worker finish its batch and exit (end of its stdin); kills a laggard."""
        self._stopping = True
        for proc in self._procs:
            if proc is not None and proc.stdin is not None:
                proc.stdin.close()
        # Together: a shutdown waits STOP_SECONDS at most, however many workers there are.
        await asyncio.gather(*(_stop(proc) for proc in self._procs if proc is not None))
        await stop(self._tasks)

    async def _keep(self, slot: int) -> None:
        """Runs one worker process, and a new one whenever it exits unasked."""
        config = ["--config", str(self._config)] if self._config else []
        while not self._stopping:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "gateway.worker",
                *config,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            self._procs[slot] = proc
            assert proc.stdout is not None
            while line := await proc.stdout.readline():
                self._ready[slot].set()
                await self._heard(line)
            code = await proc.wait()
            if self._stopping:
                return
            log.error("pipeline worker %d exited with %s; starting another", proc.pid, code)
            await asyncio.sleep(RESTART_DELAY)

    async def _heard(self, line: bytes) -> None:
        try:
            if line.startswith(b"{"):
                await self._on_event(Event.from_dict(json.loads(line)))
            elif finished := [int(i) for i in line.split()]:
                self._on_finished(finished)
        except Exception:  # a line we cannot read must not end the conversation with it
            log.exception("a pipeline worker's line could not be used: %.200r", line)

    async def _wake(self) -> None:
        """One line to every worker per burst of stored messages; they race for claims."""
        while True:
            await self._stored.wait()
            self._stored.clear()
            for proc in self._procs:
                if proc is None or proc.stdin is None or proc.returncode is not None:
                    continue
                with contextlib.suppress(ConnectionError, RuntimeError):
                    proc.stdin.write(b"\n")
                    await proc.stdin.drain()


async def _stop(proc: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(proc.wait(), STOP_SECONDS)
    except TimeoutError:
        log.warning("pipeline worker %d did not stop; killing it", proc.pid)
        proc.kill()
        await proc.wait()


class WorkersElsewhere:
    """Role web: workers of other `run`s claim what is stored (they look every half
    second, or are woken through Redis)."""

    def stored(self, message_id: int) -> None:
        pass
