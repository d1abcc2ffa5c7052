"""Worker scaling benchmark: how fast one pipeline worker process drains a stored backlog,
and then two, in one run, on the same database (and Redis).

Only the worker processes are timed. Each round first stores `--messages` complaints through
a gateway of role `web` while no worker runs, so the web process, this client and the store
are idle while the clock runs (on a 2-core machine they would otherwise take CPU from the
workers and the figure would say little about the workers). Then it starts N processes of
`python -m gateway.worker`, the very processes `complaint-gateway run` starts for
`GATEWAY_WORKERS=N`. The clock starts once every one of them has loaded its model (a worker
says so on stdout) and stops when they have reported every message of the round finished
(each reports its batches on stdout); messages finished while a slower worker was still
loading are left out of the rate. The outbox, which a `run` of role `worker` also runs, is
not running here: replies are queued, not sent.

    python bench/workers.py [--messages 1500] [--rounds 1] [--database-url URL] [--redis-url URL]

Prints one line per round and the ratio of the mean rates, two workers against one (both
from this run). Run it by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from flood import accepter  # noqa: E402

from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

CONCURRENCY = 32


async def store_backlog(url: str, run: str, count: int) -> None:
    """Posts `count` complaints; each 202 means stored, so on return the backlog is durable."""
    post = accepter(url, run)
    numbers = iter(range(count))
    async with aiohttp.ClientSession() as http:

        async def client() -> None:
            for n in numbers:
                await post(http, n)

        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))


async def drain_rate(workers: int, count: int, env: dict[str, str]) -> float:
    """Starts `workers` worker processes on the stored backlog; messages/s once all are up."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway.worker",
            stdin=asyncio.subprocess.PIPE,  # open: a worker stops when its stdin ends
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        for _ in range(workers)
    ]
    finished = 0
    before_clock: int | None = None
    loaded = 0
    all_loaded = asyncio.Event()
    all_done = asyncio.Event()

    async def listen(proc: asyncio.subprocess.Process) -> None:
        nonlocal finished, loaded, before_clock
        assert proc.stdout is not None
        first = True
        while line := await proc.stdout.readline():
            if first:  # the empty line: model loaded
                first = False
                loaded += 1
                if loaded == workers:
                    before_clock = finished
                    all_loaded.set()
                continue
            if not line.startswith(b"{"):
                finished += len(line.split())
                if finished >= count:
                    all_done.set()

    listeners = [asyncio.create_task(listen(proc)) for proc in procs]
    try:
        await all_loaded.wait()
        started = time.perf_counter()
        await all_done.wait()
        elapsed = time.perf_counter() - started
        assert before_clock is not None
        return (count - before_clock) / elapsed
    finally:
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
        await asyncio.gather(*(proc.wait() for proc in procs))
        for task in listeners:
            task.cancel()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=1, help="1-then-2 rounds, alternated")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    settings = {}
    if args.database_url:
        settings["GATEWAY_DATABASE_URL"] = args.database_url
    if args.redis_url:
        settings["GATEWAY_REDIS_URL"] = args.redis_url
    env = {
        **os.environ,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_LOG_LEVEL": "WARNING",
        **settings,
    }
    port = free_port()
    web = start_gateway(data_dir, port, role="web", **settings)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url, web, timeout=300)
        rates: dict[int, list[float]] = {1: [], 2: []}
        for round_ in range(args.rounds):
            for workers in (1, 2):
                run = f"w{workers}r{round_}-{time.time_ns()}"  # fresh ids on a reused database
                await store_backlog(url, run, args.messages)
                print(f"  stored {args.messages}; {workers} workers", file=sys.stderr, flush=True)
                rate = await drain_rate(workers, args.messages, env)
                rates[workers].append(rate)
                print(f"round {round_ + 1}, {workers} worker processes: {rate:.1f} complaints/s")
        one, two = (sum(rates[n]) / len(rates[n]) for n in (1, 2))
        print(f"two workers / one: {two / one:.2f} (goal >= 1.6)")
    finally:
        web.terminate()
        web.wait(60)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
