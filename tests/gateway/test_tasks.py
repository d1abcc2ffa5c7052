"""Background tasks: stopped together at the end, a failure logged when it happens rather
than raised into the shutdown, and the stopper's own cancellation never swallowed."""

from __future__ import annotations

import asyncio

import pytest

from gateway.tasks import running, start, stop


async def _forever() -> None:
    await asyncio.Event().wait()


async def _fails() -> None:
    raise RuntimeError("lost the socket")


async def test_every_task_is_cancelled_and_awaited_on_leaving() -> None:
    async with running({"a": _forever(), "b": _forever()}) as tasks:
        assert [t.get_name() for t in tasks] == ["a", "b"]
    assert all(t.cancelled() for t in tasks)


async def test_a_failure_is_logged_when_it_happens_once_and_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running({"doomed": _fails(), "steady": _forever()}) as tasks:
        await asyncio.wait([tasks[0]])
        await asyncio.sleep(0)  # the done callbacks run on the next turn of the loop
        (record,) = [r for r in caplog.records if r.name == "gateway.tasks"]
    assert tasks[1].cancelled()
    assert [r for r in caplog.records if r.name == "gateway.tasks"] == [record]
    assert record.getMessage() == "background task doomed failed"
    assert record.exc_info is not None and "lost the socket" in str(record.exc_info[1])


async def test_a_task_that_ends_well_or_is_cancelled_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done = start("done", asyncio.sleep(0))
    await done
    await stop([start("cancelled", _forever()), done])
    assert [r for r in caplog.records if r.name == "gateway.tasks"] == []


async def test_cancelling_the_one_who_stops_them_still_cancels_it() -> None:
    slow = asyncio.create_task(_shielded())
    stopper = asyncio.create_task(stop([slow]))
    await asyncio.sleep(0.01)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    slow.cancel()  # cancelled again, inside its sleep: now it ends
    with pytest.raises(asyncio.CancelledError):
        await slow


async def _shielded() -> None:
    # A task that takes its time to end once cancelled (closing a connection, say).
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        await asyncio.sleep(10)
        raise
