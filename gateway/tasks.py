"""Background tasks that live as long as something else (the application, a process): each
started by `start`, and at the end cancelled and awaited together by `stop`. A task that
fails is logged when it fails (a dead loop must not stay silent until shutdown), never
raised into the shutdown; a cancellation of the one stopping them still goes through (no
`suppress(CancelledError)` that would swallow it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def start(name: str, job: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Starts the job as a task of that name; its failure is logged as soon as it ends."""
    task = asyncio.create_task(job, name=name)
    task.add_done_callback(_report)
    return task


@asynccontextmanager
async def running(
    jobs: Mapping[str, Coroutine[Any, Any, Any]],
) -> AsyncIterator[list[asyncio.Task[Any]]]:
    """Starts each job as a task of that name; stops them all on leaving."""
    tasks = [start(name, job) for name, job in jobs.items()]
    try:
        yield tasks
    finally:
        await stop(tasks)


async def stop(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancels the tasks and waits until each has ended. Their failures were logged by
    `start`; gathering with `return_exceptions` keeps one from ending the wait early."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _report(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("background task %s failed", task.get_name(), exc_info=error)
