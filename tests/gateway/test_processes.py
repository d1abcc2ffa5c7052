"""Several gateway processes on one database, and a graceful stop."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import eventually
from tests.gateway.processes import free_port, start_gateway, wait_healthy

pytestmark = pytest.mark.slow


async def test_two_processes_posting_at_once_get_distinct_serials(
    data_dir: Path, database_url: str
) -> None:
    ports = [free_port(), free_port()]
    procs = [start_gateway(data_dir, port, GATEWAY_DATABASE_URL=database_url) for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for port, proc in zip(ports, procs, strict=True):
                await wait_healthy(http, f"http://127.0.0.1:{port}", proc)

            async def post(n: int) -> str:
                body = {
                    "channel": "api",
                    "external_id": f"two-{n}",
                    "sender": {"id": f"c{n}"},
                    "text": f"I was charged twice for order {7000 + n}, please refund me",
                }
                url = f"http://127.0.0.1:{ports[n % 2]}/api/v1/messages?wait=30"
                async with http.post(url, json=body) as resp:
                    assert resp.status == 200
                    return str((await resp.json())["ticket"]["number"])

            numbers = await asyncio.gather(*(post(n) for n in range(60)))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    assert all(re.fullmatch(r"TS-\d{6}-\d{6}", n) for n in numbers)
    assert len(set(numbers)) == 60
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 61))


async def test_sigterm_finishes_in_flight_work_and_exits_cleanly(
    data_dir: Path, database_url: str
) -> None:
    port = free_port()
    proc = start_gateway(
        data_dir, port, GATEWAY_DATABASE_URL=database_url, GATEWAY_LOG_LEVEL="INFO"
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, url, proc)
        body = {
            "channel": "api",
            "external_id": "term-1",
            "sender": {"id": "c"},
            "text": "The microwave sparks when I switch it on",
        }
        pending = asyncio.create_task(http.post(f"{url}/api/v1/messages?wait=20", json=body))

        async def stored() -> bool:  # the request is in flight once its message is stored
            async with http.get(f"{url}/metrics") as resp:
                return 'channel="api",outcome="stored"} 1.0' in await resp.text()

        await eventually(stored)
        proc.send_signal(signal.SIGTERM)
        resp = await pending
        assert resp.status == 200
        answer = await resp.json()
    assert proc.wait(30) == 0
    assert answer["ticket"] is not None
    # The last words say what was drained, then that the gateway stopped.
    log_lines = (data_dir / f"gateway-{port}.log").read_text().splitlines()
    closing = [json.loads(line)["message"] for line in log_lines[-2:]]
    assert closing[0].startswith("drained: every queued message processed")
    assert closing[1] == "gateway stopped"
