"""Helpers shared by the benchmarks: load, memory and percentiles (processes and ports come
from `tests.gateway.processes`, shared with the tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def closed_loop(
    request: Callable[[aiohttp.ClientSession, int], Awaitable[None]],
    *,
    concurrency: int,
    seconds: float,
) -> float:
    """Keeps `concurrency` requests in flight for `seconds`; returns completed requests/s."""
    counter = iter(range(10**9))
    done = 0
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def user() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await request(http, next(counter))
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


async def open_loop(
    request: Callable[[aiohttp.ClientSession, int], Awaitable[None]],
    *,
    rate: float,
    seconds: float,
) -> list[float]:
    """Starts requests at a steady `rate` per second; returns each one's latency in seconds."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def timed(n: int) -> None:
            started = time.perf_counter()
            await request(http, n)
            latencies.append(time.perf_counter() - started)

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(timed(n)))
        await asyncio.gather(*tasks)
    return latencies
