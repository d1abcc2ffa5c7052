"""Intake benchmark: complaints per second through `POST /api/v1/messages?wait=` on one
gateway process with SQLite, against a bare aiohttp handler measured in the same run;
acknowledgement latency at a steady request rate; the gateway's peak RSS.

    python bench/intake.py [--seconds 20] [--concurrency 32] [--rate 200]

Prints one line per figure. Run it by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from _harness import closed_loop, open_loop, peak_rss_mb, percentile  # noqa: E402

from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

TEXTS = [
    "My parcel {n} never arrived and the tracking has not moved for a week",
    "You charged my card twice for order {n}, I want my money back",
    "Мой заказ {n} так и не доставили, курьер не отвечает",
    "订单{n}的快递一直没到，客服也不回复",
    "訂單{n}的商品有瑕疵，申請退貨都沒人理",
]


def complaint(run: str, n: int) -> dict[str, object]:
    return {
        "channel": "api",
        "external_id": f"{run}-{n}",
        "sender": {"id": f"bench-{n % 500}"},
        "text": TEXTS[n % len(TEXTS)].format(n=20261100000 + n),
    }


def poster(url: str, run: str, wait: bool):  # type: ignore[no-untyped-def]
    target = f"{url}/api/v1/messages" + ("?wait=10" if wait else "")

    async def post(http: aiohttp.ClientSession, n: int) -> None:
        async with http.post(target, json=complaint(run, n)) as resp:
            body = await resp.json()
            if resp.status != 200 or (wait and body.get("ticket") is None):
                raise RuntimeError(f"unexpected answer {resp.status}: {body}")

    return post


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    bare_port, gw_port = free_port(), free_port()
    bare = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_server.py")), str(bare_port)]
    )
    gateway = start_gateway(data_dir, gw_port)
    try:
        bare_url, gw_url = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{gw_port}"
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, bare_url, bare, timeout=300)
            await wait_healthy(http, gw_url, gateway, timeout=300)  # may train a first model
        await closed_loop(poster(gw_url, "warm", True), concurrency=8, seconds=2)

        bare_rate = await closed_loop(
            poster(bare_url, "bare", False), concurrency=args.concurrency, seconds=args.seconds
        )
        gw_rate = await closed_loop(
            poster(gw_url, "rate", True), concurrency=args.concurrency, seconds=args.seconds
        )
        print(f"bare aiohttp handler: {bare_rate:.0f} requests/s", flush=True)
        print(f"gateway intake (?wait=10, SQLite): {gw_rate:.0f} complaints/s", flush=True)
        print(f"ratio gateway/bare: {gw_rate / bare_rate:.2f} (goal >= 0.25)", flush=True)
        latencies = await open_loop(
            poster(gw_url, "steady", True), rate=args.rate, seconds=args.seconds
        )
        rss = peak_rss_mb(gateway.pid)
        print(
            f"acknowledgement latency at {args.rate:.0f}/s: "
            f"p50 {percentile(latencies, 50) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.1f} ms (goal p99 <= 50 ms)"
        )
        print(f"gateway peak RSS: {rss:.0f} MB (goal <= 200 MB)")
    finally:
        for proc in (bare, gateway):
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
