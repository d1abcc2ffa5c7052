"""The outbox retries with backoff and delivers once, against a real HTTP callback peer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.db.schema import outbox
from gateway.settings import load_settings
from gateway.web.responses import json_response
from tests.conftest import LiveGateway, eventually, running_gateway


class FlakyReceiver:
    """A callback endpoint that fails its first `failures` calls with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        self.calls.append(await request.json())
        self.keys.append(request.headers["Idempotency-Key"])
        if len(self.calls) <= self.failures:
            return web.Response(status=500)
        return json_response({"ok": True})


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[FlakyReceiver, str]]:
    peer = FlakyReceiver(failures=2)
    server = TestServer(peer.app, host="127.0.0.1")
    await server.start_server()
    yield peer, str(server.make_url("/hook"))
    await server.close()


@pytest_asyncio.fixture
async def gateway_with_callback(
    data_dir: Path, database_url: str, receiver: tuple[FlakyReceiver, str]
) -> AsyncIterator[LiveGateway]:
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        api_callback_url=receiver[1],
        outbox_base_delay_seconds=0.05,
        outbox_max_delay_seconds=0.2,
    )
    async with running_gateway(settings) as live:
        yield live


async def test_a_failing_peer_gets_the_reply_once_it_recovers(
    gateway_with_callback: LiveGateway, receiver: tuple[FlakyReceiver, str]
) -> None:
    peer, _ = receiver
    result = await gateway_with_callback.complain("The delivery guy was rude and threw my box")

    async def delivered() -> Any:
        row = await gateway_with_callback.database.read(
            lambda conn: conn.execute(
                sa.select(outbox).where(outbox.c.message_id == result["id"])
            ).one()
        )
        return row if row.status == "sent" else None

    row = await eventually(delivered)
    assert row.attempts == 3
    assert len(peer.calls) == 3
    assert len(set(peer.keys)) == 1  # the same idempotency key on every try
    assert peer.calls[-1]["ticket"]["number"] == result["ticket"]["number"]
    assert peer.calls[-1]["text"] == result["reply"]["text"]
