"""Several gateway processes on one PostgreSQL and one Redis (contract: "Processes and
scale-out"): chat frames reach the process holding the socket, a killed worker's messages
are finished by another, and a Redis restart loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import redis.asyncio as redis
import sqlalchemy as sa

from gateway.db.engine import Database
from gateway.db.schema import messages, outbox
from gateway.redis_link import GROUP, STREAM
from tests.conftest import eventually, require_service
from tests.gateway.processes import (
    RedisServer,
    child_pids,
    free_port,
    start_gateway,
    wait_healthy,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require_service(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url)
    yield database
    await database.dispose()


class Gateways:
    """Gateway processes on one database and one Redis, stopped at the end."""

    def __init__(self, data_dir: Path, http: aiohttp.ClientSession, **settings: str) -> None:
        self.data_dir, self.http, self.settings = data_dir, http, settings
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start(self, role: str = "all", **extra: str) -> tuple[str, subprocess.Popen[bytes]]:
        port = free_port()
        proc = start_gateway(self.data_dir, port, role, **{**self.settings, **extra})
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(self.http, url, proc)
        return url, proc

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest_asyncio.fixture
async def gateways(
    data_dir: Path, postgres_url: str, redis_server: RedisServer
) -> AsyncIterator[Gateways]:
    async with aiohttp.ClientSession() as http:
        group = Gateways(
            data_dir,
            http,
            GATEWAY_DATABASE_URL=postgres_url,
            GATEWAY_REDIS_URL=redis_server.url,
            GATEWAY_PIPELINE_CLAIM_SECONDS="2",
        )
        try:
            yield group
        finally:
            group.stop()


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), timeout)
        if frame["type"] == kind:
            return frame


def _agent_token(data_dir: Path, database_url: str) -> str:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir), "GATEWAY_DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "users", "add", "scale-agent", "--role", "agent"],
        env=env,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().strip().splitlines()[-1]


async def _flood(http: aiohttp.ClientSession, url: str, prefix: str, count: int) -> None:
    async def post(n: int) -> None:
        body = {
            "channel": "api",
            "external_id": f"{prefix}-{n}",
            "sender": {"id": f"{prefix}-c{n}"},
            "text": f"My parcel {9000 + n} never arrived, I want my money back",
        }
        async with http.post(f"{url}/api/v1/messages", json=body) as resp:
            assert resp.status == 202, await resp.text()

    await asyncio.gather(*(post(n) for n in range(count)))


def _figures(conn: sa.Connection) -> dict[str, int]:
    done = sa.func.count().filter(messages.c.stage == "done")
    row = conn.execute(
        sa.select(sa.func.count(), done, sa.func.count(sa.distinct(messages.c.ticket_id)))
    ).one()
    replies = conn.execute(
        sa.select(outbox.c.message_id, sa.func.count())
        .where(outbox.c.message_id.is_not(None))
        .group_by(outbox.c.message_id)
    ).all()
    return {
        "messages": row[0],
        "done": row[1],
        "tickets": row[2],
        "answered": len(replies),
        "answered_twice": sum(1 for _, n in replies if n > 1),
    }


async def _all_done(db: Database, count: int, timeout: float = 60) -> dict[str, int]:
    async def check() -> dict[str, int] | None:
        figures = await db.read(_figures)
        return figures if figures["done"] == count else None

    return dict(await eventually(check, timeout=timeout, interval=0.2))


async def test_a_chat_on_one_process_gets_the_ack_the_typing_and_the_replies_made_on_another(
    gateways: Gateways, postgres_url: str
) -> None:
    url_a, _ = await gateways.start("all")  # the pipeline worker runs under A
    url_b, _ = await gateways.start("web", GATEWAY_WORKERS="0")  # B only holds the socket
    token = _agent_token(gateways.data_dir, postgres_url)
    async with gateways.http.ws_connect(f"{url_b}/ws/chat") as ws:
        await ws.send_json({"type": "message", "text": "My order 5512 never arrived", "id": "1"})
        await _next(ws, "received", 10)
        ack = await _next(ws, "reply", 20)
        number = ack["ticket"]["number"]
        assert number in ack["text"]
        async with gateways.http.post(
            f"{url_a}/api/v1/tickets/{number}/typing", headers={"Authorization": f"Bearer {token}"}
        ) as resp:
            assert resp.status == 202, await resp.text()
            assert (await resp.json())["shown"] == 0  # A holds no socket of this chat
        typing = await _next(ws, "typing", 5)
        assert typing["author"] == "scale-agent"
        replies = ["We found your parcel.", "It arrives tomorrow."]
        for text in replies:
            async with gateways.http.post(
                f"{url_a}/api/v1/tickets/{number}/replies",
                json={"text": text},
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 201, await resp.text()
        # The timeout only keeps a lost frame from hanging the test.
        shown = [(await _next(ws, "reply", 30))["text"] for _ in replies]
    assert shown == replies  # each staff reply reached B's socket once, in the order posted


async def test_a_worker_killed_mid_batch_leaves_its_messages_to_another(
    gateways: Gateways, db: Database, redis_server: RedisServer
) -> None:
    url, proc = await gateways.start("all", GATEWAY_WORKERS="2")
    workers = child_pids(proc.pid)
    assert len(workers) == 2
    count = 150
    flood = asyncio.create_task(_flood(gateways.http, url, "kill", count))
    victim = f"{socket.gethostname()}-{workers[0]}"  # its stream consumer's name
    client = redis.from_url(redis_server.url)

    async def in_a_batch() -> bool:
        # Entries it read and has not acknowledged: it is between reading and committing.
        consumers = (await client.xpending(STREAM, GROUP))["consumers"]
        return any(c["name"].decode() == victim and c["pending"] > 0 for c in consumers)

    try:
        await eventually(in_a_batch, timeout=60, interval=0.01)
    finally:
        await client.aclose()
    os.kill(workers[0], signal.SIGKILL)
    await flood
    figures = await _all_done(db, count)
    assert figures == {
        "messages": count,
        "done": count,
        "tickets": count,
        "answered": count,
        "answered_twice": 0,
    }


async def test_redis_restarted_mid_flood_loses_and_duplicates_nothing(
    gateways: Gateways, db: Database, redis_server: RedisServer
) -> None:
    url, _ = await gateways.start("all")
    count = 200
    flood = asyncio.create_task(_flood(gateways.http, url, "redis", count))

    async def some_done() -> bool:
        return (await db.read(_figures))["done"] > 0

    await eventually(some_done, timeout=30, interval=0.02)
    redis_server.stop()  # no persistence: the stream, its group and its pending entries go
    await asyncio.sleep(0.5)
    redis_server.start()
    await flood
    figures = await _all_done(db, count)
    assert figures == {
        "messages": count,
        "done": count,
        "tickets": count,
        "answered": count,
        "answered_twice": 0,
    }


async def test_a_gateway_on_redis_exits_cleanly_on_sigterm(gateways: Gateways) -> None:
    # The event bus listens on the Redis link's client; the link once closed under it, and
    # the bus then waited forever on a dead connection pool: the process had to be killed.
    _, proc = await gateways.start()
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.wait, 60) == 0


async def test_two_processes_on_one_redis_share_the_rate_limit(gateways: Gateways) -> None:
    limits = {"GATEWAY_RATE_LIMIT_INTAKE": "3", "GATEWAY_RATE_LIMIT_EXEMPT": "[]"}
    urls = [(await gateways.start(**limits))[0] for _ in range(2)]
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.9", 0))
    async with aiohttp.ClientSession(connector=connector) as http:

        async def post(n: int) -> int:
            body = {"external_id": f"rl-{n}", "sender": {"id": "rl"}, "text": "parcel late"}
            async with http.post(f"{urls[n % 2]}/api/v1/messages", json=body) as resp:
                return resp.status

        statuses = [await post(n) for n in range(4)]
    # Three in the window across both processes, not three on each.
    assert statuses == [202, 202, 202, 429]
