"""Flood benchmark: a complaint storm against `complaint-gateway run` (one web process and
`--workers` pipeline worker processes).

Measured in one run: the accept rate (202s/s) while the flood is being processed against a
bare aiohttp handler; the processing rate against `complaint-gateway nlu parse` alone on the
same texts; acknowledgement latency at half the processing rate; peak RSS of the web
process and of each worker.

    python bench/flood.py [--seconds 10] [--workers 1] [--database-url URL] [--redis-url URL]

Prints one line per figure, with progress on stderr. Run it by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from _harness import closed_loop, open_loop, peak_rss_mb, percentile  # noqa: E402
from intake import complaint  # noqa: E402

from tests.gateway.processes import child_pids, free_port, start_gateway, wait_healthy  # noqa: E402


def accepter(url: str, run: str):  # type: ignore[no-untyped-def]
    async def post(http: aiohttp.ClientSession, n: int) -> None:
        async with http.post(f"{url}/api/v1/messages", json=complaint(run, n)) as resp:
            if resp.status not in (200, 202):
                raise RuntimeError(f"unexpected answer {resp.status}: {await resp.text()}")
            await resp.read()

    return post


async def processed(http: aiohttp.ClientSession, url: str) -> float:
    async with http.get(f"{url}/metrics") as resp:
        found = re.search(r"^gateway_pipeline_processed_total (\S+)", await resp.text(), re.M)
    return float(found.group(1)) if found else 0.0


def nlu_parse_rate(data_dir: Path, count: int) -> float:
    texts = "\n".join(str(complaint("nlu", n)["text"]) for n in range(count)) + "\n"
    env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir), "GATEWAY_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "gateway.cli", "nlu", "parse"]
    subprocess.run(command, input=b"warm up\n", env=env, capture_output=True, check=True)
    started = time.perf_counter()  # model load included once; the texts dominate
    subprocess.run(command, input=texts.encode(), env=env, capture_output=True, check=True)
    return count / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    settings = {"GATEWAY_WORKERS": str(args.workers)}
    if args.database_url:
        settings["GATEWAY_DATABASE_URL"] = args.database_url
    if args.redis_url:
        settings["GATEWAY_REDIS_URL"] = args.redis_url
    bare_port, gw_port = free_port(), free_port()
    bare = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_server.py")), str(bare_port)]
    )
    gateway = start_gateway(data_dir, gw_port, **settings)
    bare_url, url = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{gw_port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, bare_url, bare, timeout=300)
            await wait_healthy(http, url, gateway, timeout=300)  # may train a first model
            print("both servers up; flooding", file=sys.stderr, flush=True)
            bare_rate = await closed_loop(
                accepter(bare_url, "bare"), concurrency=args.concurrency, seconds=args.seconds
            )
            start_done, started = await processed(http, url), time.perf_counter()
            accept_rate = await closed_loop(
                accepter(url, "flood"), concurrency=args.concurrency, seconds=args.seconds
            )
            flood = accept_rate * args.seconds
            print(f"{flood:.0f} accepted; waiting for the pipeline", file=sys.stderr, flush=True)
            while (done := await processed(http, url) - start_done) < flood * 0.999:
                print(f"  processed {done:.0f}", file=sys.stderr, flush=True)
                await asyncio.sleep(1)
            process_rate = done / (time.perf_counter() - started)
            parse_rate = nlu_parse_rate(data_dir, min(int(done), 300))
            steady = process_rate / 2
            latencies = await open_loop(accepter(url, "steady"), rate=steady, seconds=args.seconds)
        workers = child_pids(gateway.pid)
        print(f"bare aiohttp handler: {bare_rate:.0f} requests/s")
        print(f"accepted during the flood: {accept_rate:.0f} complaints/s")
        print(f"ratio accept/bare: {accept_rate / bare_rate:.2f} (goal >= 0.30)")
        print(f"processing ({args.workers} worker processes): {process_rate:.0f} complaints/s")
        print(f"nlu parse alone: {parse_rate:.0f} texts/s")
        print(f"ratio processing/parse: {process_rate / parse_rate:.2f} (goal >= 0.5)")
        print(
            f"acknowledgement at {steady:.0f}/s: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.1f} ms (goal p99 <= 100 ms)"
        )
        print(f"web process peak RSS: {peak_rss_mb(gateway.pid):.0f} MB (goal <= 150 MB)")
        for pid in workers:
            print(f"worker {pid} peak RSS: {peak_rss_mb(pid):.0f} MB")
    finally:
        for proc in (bare, gateway):
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
