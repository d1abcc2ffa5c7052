"""Gateway processes for tests (and the benchmarks) that need real ones: a free port, a
started gateway, waiting until it is healthy, and a redis-server of their own."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gateway(
    data_dir: Path, port: int, role: str = "all", **settings: str
) -> subprocess.Popen[bytes]:
    """`complaint-gateway run --role ROLE` on `port`; `settings` are extra GATEWAY_* variables."""
    env = {
        **os.environ,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_LOG_LEVEL": "WARNING",
        # Floods from loopback are the point of these processes, not abuse to limit.
        "GATEWAY_RATE_LIMIT_EXEMPT": '["127.0.0.0/8", "::1/128"]',
        **settings,
    }
    log = open(data_dir / f"gateway-{port}.log", "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "run", "--port", str(port), "--role", role],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


async def wait_healthy(
    http: aiohttp.ClientSession,
    url: str,
    proc: subprocess.Popen[bytes] | None = None,
    timeout: float = 120,
) -> None:
    """Polls `url`/readyz until it answers 200 (messages are then processed, not only
    stored); fails at once if `proc` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc is None or proc.poll() is None, "server exited during start-up"
        try:
            async with http.get(f"{url}/readyz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (a gateway's pipeline workers)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = directory
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self._dir)),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout.startswith(b"PONG"):
                return
            subprocess.run(["sleep", "0.05"])
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
