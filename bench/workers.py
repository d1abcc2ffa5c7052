"""Worker scaling benchmark: the processing rate of `complaint-gateway run` with one pipeline
worker process and then with two, in one run, on the same database and Redis.

Each round starts a gateway with `GATEWAY_WORKERS=N`, posts `--messages` complaints as fast
as it accepts them, and times until its workers have processed them all.

    python bench/workers.py [--messages 1500] [--rounds 1] [--database-url URL] [--redis-url URL]

Prints one line per round and the ratio. Run it by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from flood import accepter, processed  # noqa: E402

from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

CONCURRENCY = 32


async def processing_rate(data_dir: Path, workers: int, run: str, count: int, **env: str) -> float:
    port = free_port()
    gateway = start_gateway(data_dir, port, GATEWAY_WORKERS=str(workers), **env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url, gateway, timeout=300)
            post = accepter(url, run)
            numbers = iter(range(count))

            async def client() -> None:
                for n in numbers:
                    await post(http, n)

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
            while (done := await processed(http, url)) < count:
                print(f"  {workers} workers: processed {done:.0f}", file=sys.stderr, flush=True)
                await asyncio.sleep(1)
            return count / (time.perf_counter() - started)
    finally:
        gateway.terminate()
        gateway.wait(60)


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
    env = {}
    if args.database_url:
        env["GATEWAY_DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["GATEWAY_REDIS_URL"] = args.redis_url
    try:
        rates: dict[int, list[float]] = {1: [], 2: []}
        for round_ in range(args.rounds):
            for workers in (1, 2):
                run = f"w{workers}r{round_}-{time.time_ns()}"  # fresh ids on a reused database
                rate = await processing_rate(data_dir, workers, run, args.messages, **env)
                rates[workers].append(rate)
                print(f"round {round_ + 1}, {workers} worker processes: {rate:.1f} complaints/s")
        one, two = (sum(rates[n]) / len(rates[n]) for n in (1, 2))
        print(f"two workers / one: {two / one:.2f} (goal >= 1.6)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
