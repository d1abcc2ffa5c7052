"""Background tasks that live as long as something else (the application, a socket): started
together, and at the end cancelled and awaited together. A task that had failed is logged
then, never raised into the shutdown; a cancellation of the one stopping them still goes
through (no `suppress(CancelledError)` that would swallow it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(
    jobs: Mapping[str, Coroutine[Any, Any, Any]],
) -> AsyncIterator[list[asyncio.Task[Any]]]:
    """Starts each job as a task of that name; stops them all on leaving."""
    tasks = [asyncio.create_task(job, name=name) for name, job in jobs.items()]
    try:
        yield tasks
    finally:
        await stop(tasks)


async def stop(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancels the tasks and waits until each has ended."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for task, outcome in zip(tasks, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.error("background task %s had failed", task.get_name(), exc_info=outcome)
