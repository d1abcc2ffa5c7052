"""Telegram channel benchmark: webhook updates per second stored, and stored and
acknowledged (the stand-in's sendMessage reached), on one gateway process with SQLite;
latency from webhook POST to sendMessage, under that flood and at a steady rate. Baselines
from the same run: the generic intake (`POST /api/v1/messages`) storing as many messages,
and the Bot API stand-in alone answering sendMessage.

    python bench/telegram.py [--updates 2000] [--concurrency 32] [--rate 50] [--models DIR]

Prints one line per figure. Run it by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from _harness import percentile  # noqa: E402

from tests.channels.telegram.standin import TOKEN, BotApiStandIn  # noqa: E402
from tests.channels.telegram.updates import LI, OLGA, message, user  # noqa: E402
from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

SECRET = "bench-secret"
TEXTS = [
    "我的订单{n}已经两周了还没送到，快递员电话也不接",
    "Мой заказ {n} не доставили уже две недели, курьер не отвечает",
]


def update(n: int) -> dict[str, Any]:
    """Update n: a complaint from chat n (each chat gets exactly one acknowledgement)."""
    person = user(OLGA if n % 2 else LI, 10_000_000 + n)
    return message(n, person, TEXTS[n % 2].format(n=20261100000 + n))


async def flood(send: Any, items: list[Any], concurrency: int) -> tuple[float, dict[Any, float]]:
    """Runs `send(item)` for every item, `concurrency` at a time; returns the seconds taken
    and when each item's request started."""
    gate = asyncio.Semaphore(concurrency)
    started: dict[Any, float] = {}

    async def one(item: Any) -> None:
        async with gate:
            started[item] = time.monotonic()
            await send(item)

    begin = time.monotonic()
    await asyncio.gather(*(one(i) for i in items))
    return time.monotonic() - begin, started


def ack_times(api: BotApiStandIn) -> dict[int, float]:
    """When each chat's acknowledgement reached the stand-in."""
    return {
        int(params["chat_id"]) - 10_000_000: at
        for (method, params), at in zip(api.calls, api.call_times, strict=True)
        if method == "sendMessage" and params.get("_ok")
    }


async def wait_acks(api: BotApiStandIn, ids: list[int], timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    wanted = set(ids)
    while not wanted <= ack_times(api).keys():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(wanted - ack_times(api).keys())} acknowledgements missing")
        await asyncio.sleep(0.02)
    return max(ack_times(api)[i] for i in ids)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=50, help="steady updates/s for latency")
    parser.add_argument("--seconds", type=float, default=10, help="length of the steady phase")
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()

    api = BotApiStandIn()
    standin = TestServer(api.app, host="127.0.0.1")
    await standin.start_server()
    base = str(standin.make_url("")).rstrip("/")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    port = free_port()
    gateway = start_gateway(
        data_dir,
        port,
        GATEWAY_TELEGRAM_TOKEN=TOKEN,
        GATEWAY_TELEGRAM_API_BASE=base,
        GATEWAY_TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_healthy(http, url, gateway, timeout=300)  # may train a first model

            async def post_update(n: int) -> None:
                async with http.post(
                    f"{url}/telegram/webhook", json=update(n), headers=headers
                ) as r:
                    if r.status != 200:
                        raise RuntimeError(f"webhook answered {r.status}: {await r.text()}")

            async def post_api(n: int) -> None:
                body = {"external_id": f"api-{n}", "sender": {"id": f"b{n}"}, "text": TEXTS[n % 2]}
                async with http.post(f"{url}/api/v1/messages", json=body) as r:
                    if r.status != 202:
                        raise RuntimeError(f"intake answered {r.status}")

            async def send_direct(n: int) -> None:
                form = {"chat_id": str(n), "text": "baseline"}
                async with http.post(f"{base}/bot{TOKEN}/sendMessage", data=form) as r:
                    await r.read()

            warm = list(range(1, 21))
            await flood(post_update, warm, 8)
            await wait_acks(api, warm)

            ids = list(range(1000, 1000 + args.updates))
            stored_s, started = await flood(post_update, ids, args.concurrency)
            last_ack = await wait_acks(api, ids)
            acked_s = last_ack - min(started.values())
            acks = ack_times(api)
            flood_latency = [acks[i] - started[i] for i in ids]

            await asyncio.sleep(2)  # let the pipeline settle before the baselines
            api_s, _ = await flood(post_api, list(range(args.updates)), args.concurrency)
            direct_s, _ = await flood(send_direct, list(range(args.updates)), args.concurrency)

            steady = list(range(100_000, 100_000 + int(args.rate * args.seconds)))
            steady_started: dict[int, float] = {}

            async def timed(n: int) -> None:
                steady_started[n] = time.monotonic()
                await post_update(n)

            tasks = []
            begin = time.monotonic()
            for k, n in enumerate(steady):
                await asyncio.sleep(max(0.0, begin + k / args.rate - time.monotonic()))
                tasks.append(asyncio.create_task(timed(n)))
            await asyncio.gather(*tasks)
            await wait_acks(api, steady)
            acks = ack_times(api)
            steady_latency = [acks[n] - steady_started[n] for n in steady]

        n = args.updates
        print(
            f"webhook updates stored: {n / stored_s:.0f}/s "
            f"({n} updates, concurrency {args.concurrency})"
        )
        print(f"webhook updates stored and acknowledged: {n / acked_s:.0f}/s")
        print(f"baseline generic intake stored (POST /api/v1/messages): {n / api_s:.0f}/s")
        print(f"ratio telegram webhook / generic intake (stored): {api_s / stored_s:.2f}")
        print(f"baseline Bot API stand-in alone (sendMessage): {n / direct_s:.0f}/s")
        print(
            "POST to sendMessage latency under the flood: "
            f"p50 {percentile(flood_latency, 50):.2f} s, p99 {percentile(flood_latency, 99):.2f} s"
        )
        print(
            f"POST to sendMessage latency at {args.rate:.0f} updates/s: "
            f"p50 {percentile(steady_latency, 50) * 1000:.0f} ms, "
            f"p99 {percentile(steady_latency, 99) * 1000:.0f} ms"
        )
    finally:
        gateway.terminate()
        gateway.wait(30)
        await standin.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
