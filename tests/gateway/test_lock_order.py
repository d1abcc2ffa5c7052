"""Two gateway processes on one PostgreSQL database under a flood that makes them contend
for the same conversations, customers and ticket serial: no deadlock is ever logged."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.gateway.processes import free_port, start_gateway, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

MESSAGES = 240


async def test_two_processes_flooding_one_database_never_deadlock(
    data_dir: Path, postgres_url: str
) -> None:
    ports = [free_port(), free_port()]
    procs = [start_gateway(data_dir, port, GATEWAY_DATABASE_URL=postgres_url) for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for port, proc in zip(ports, procs, strict=True):
                await wait_healthy(http, f"http://127.0.0.1:{port}", proc)

            async def post(n: int) -> int:
                # Few customers and conversations, so both processes' batches overlap.
                body = {
                    "external_id": f"flood-{n}",
                    "sender": {"id": f"c{n % 7}", "email": f"c{n % 7}@example.com"},
                    "conversation_id": f"conv-{n % 5}",
                    "text": f"The parcel for order {8000 + n} arrived broken, refund please",
                }
                url = f"http://127.0.0.1:{ports[n % 2]}/api/v1/messages?wait=60"
                async with http.post(url, json=body) as resp:
                    return resp.status

            statuses = await asyncio.gather(*(post(n) for n in range(MESSAGES)))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    assert statuses == [200] * MESSAGES
    logs = "".join((data_dir / f"gateway-{port}.log").read_text(errors="replace") for port in ports)
    assert "deadlock detected" not in logs
    assert "one by one" not in logs  # no batch failed for any other reason either
