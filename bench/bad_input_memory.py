"""Memory under a sustained bad-input barrage: does the gateway's resident set stay flat?

    python bench/bad_input_memory.py [--seconds 240] [--windows 8] [--models DATA/models]
    python bench/bad_input_memory.py --trace [--seconds 120]   # what grew, by source line

One gateway process (SQLite, the default rate limits, loopback not exempt) takes bad
requests from many client addresses (127.x.y.z, a new one per round, as a flood from many
hosts does): malformed and deep JSON, huge numbers, NUL and lone surrogates, gzip bombs,
impossible dates, forged bearer tokens, and chat sockets sending bad frames. RSS is sampled at
the end of each window; it prints one line a window and the ratio of the last window's RSS to
the first's (1.00 is flat; the first window includes the warm-up). `--trace` runs the gateway
in this process under tracemalloc instead and prints the source lines whose allocations grew
most between the end of the first window and the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import itertools
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # the nlu package, not bench/nlu.py

from gateway.settings import load_settings  # noqa: E402
from tests.conftest import running_gateway  # noqa: E402
from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

JSON = {"Content-Type": "application/json"}
GZIP = {**JSON, "Content-Encoding": "gzip"}
INTAKE = "/api/v1/messages"
BAD_POSTS: list[tuple[str, bytes, dict[str, str]]] = [
    (INTAKE, b"[" * 5000 + b"]" * 5000, JSON),
    (INTAKE, b'{"text": ' + b"9" * 5000 + b"}", JSON),
    (INTAKE, gzip.compress(b'{"t": "' + b"a" * 5_000_000 + b'"}'), GZIP),
    (INTAKE, b'{"external_id": "x", "sender": {"id": "c"}, "text": "\\u0000\\ud800"}', JSON),
    (INTAKE, b'{"external_id": "y", "sender": {"id": "c"}, "text": "t", "received_at": "9"}', JSON),
    (INTAKE, b"\xff\xfe", JSON),
    (INTAKE, b'{"text": "x"}', {**JSON, "Content-Encoding": "br"}),
    ("/model/parse", b'{"text": ' + b"[" * 3000 + b"]" * 3000 + b"}", JSON),
    ("/model/parse", b"{", JSON),
]
BAD_GETS = ["/api/v1/stats?from=0001-01-01", "/api/v1/tickets?limit=-5", f"{INTAKE}?before=zz"]
BAD_FRAMES = ["[" * 5000 + "]" * 5000, '{"type": "message", "text": "\\ud800"}', "{nope", "[]"]


def addresses() -> itertools.cycle[str]:
    """65,536 loopback addresses, each used once per cycle."""
    return itertools.cycle(f"127.{n >> 8}.{n & 255}.1" for n in range(65_536))


async def one_round(url: str, address: str) -> int:
    """Every bad input once, from `address`; returns how many were answered 5xx."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    errors = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        bearer = {"Authorization": f"Bearer forged-{address}"}
        for path, body, headers in BAD_POSTS:
            async with http.post(url + path, data=body, headers=headers) as resp:
                errors += resp.status >= 500
        for path in BAD_GETS:
            async with http.get(url + path, headers=bearer) as resp:
                errors += resp.status >= 500
        with contextlib.suppress(aiohttp.WSServerHandshakeError):
            async with http.ws_connect(f"{url}/ws/chat") as ws:
                for frame in BAD_FRAMES:
                    await ws.send_str(frame)
                    await ws.receive(timeout=10)
    return errors


async def barrage(url: str, seconds: float, windows: int, sample: Callable[[int], None]) -> int:
    """Rounds from 8 clients at a time for `seconds`; `sample(n)` at the end of window n.
    Prints the rounds made; returns the 5xx answers."""
    stop = time.monotonic() + seconds
    source = addresses()
    errors = rounds = 0

    async def client() -> None:
        nonlocal errors, rounds
        while time.monotonic() < stop:
            try:
                errors += await one_round(url, next(source))
                rounds += 1
            except (aiohttp.ClientError, TimeoutError):
                pass

    async def sampler() -> None:
        for n in range(1, windows + 1):
            await asyncio.sleep(seconds / windows)
            sample(n)

    await asyncio.gather(sampler(), *(client() for _ in range(8)))
    per_round = len(BAD_POSTS) + len(BAD_GETS) + len(BAD_FRAMES)
    print(f"rounds: {rounds} from as many addresses ({rounds * per_round} bad inputs)")
    return errors


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")


async def measure(args: argparse.Namespace, data_dir: Path) -> None:
    port = free_port()
    proc = start_gateway(data_dir, port, GATEWAY_RATE_LIMIT_EXEMPT="[]", GATEWAY_WORKERS="0")
    url = f"http://127.0.0.1:{port}"
    samples: list[float] = []

    def sample(n: int) -> None:
        samples.append(rss_mb(proc.pid))
        print(f"window {n}: RSS {samples[-1]:.0f} MB", flush=True)

    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url, proc, timeout=300)
        errors = await barrage(url, args.seconds, args.windows, sample)
        await asyncio.sleep(args.settle)
        settled = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"{args.settle:g}s after the barrage: RSS {settled:.0f} MB")
    print(f"5xx answers: {errors}")
    print(f"RSS growth, last window / first window: {samples[-1] / samples[0]:.2f}")


async def trace(args: argparse.Namespace, data_dir: Path) -> None:
    settings = load_settings(data_dir=data_dir, rate_limit_exempt=[], workers=0)
    first: list[tracemalloc.Snapshot] = []
    tracemalloc.start(8)

    def sample(n: int) -> None:
        print(f"window {n}: traced {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MB", flush=True)
        if n == 1:
            first.append(_snapshot())

    async with running_gateway(settings) as live:
        errors = await barrage(live.url, args.seconds, args.windows, sample)
        await asyncio.sleep(args.settle)  # what is still in flight is not what leaked
        last = _snapshot()
    print(f"5xx answers: {errors}")
    print(f"grew most between the end of window 1 and {args.settle:g}s after the barrage:")
    for stat in last.compare_to(first[0], "traceback")[:8]:
        print(f"  {stat}")
        for line in stat.traceback.format(limit=6, most_recent_first=True):
            print(f"      {line}")


def _snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument("--settle", type=float, default=20, help="seconds before the last look")
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    parser.add_argument("--trace", action="store_true", help="in-process, with tracemalloc")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bad-input-memory-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    asyncio.run(trace(args, data_dir) if args.trace else measure(args, data_dir))


if __name__ == "__main__":
    main()
