"""Without Redis, the pipeline and the outbox are woken by events, not by their poll: with
`GATEWAY_POLL_SECONDS` at an hour, a complaint still gets its ticket and its reply reaches
the channel (the `api` callback), on PostgreSQL across processes (LISTEN/NOTIFY) and on
the embedded SQLite `run` (the pipes between the web process and its worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.web.responses import json_response
from tests.conftest import eventually
from tests.gateway.processes import free_port, start_gateway, wait_healthy

pytestmark = pytest.mark.slow

#: No poll fires while the test runs: whatever happens, a wake-up made it happen.
NEVER = "3600"


class Callbacks:
    """The integration's endpoint: the replies the gateway POSTs to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return json_response({"ok": True})

    def for_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        return [c for c in self.received if c["conversation_id"] == conversation_id]


@pytest_asyncio.fixture
async def callbacks() -> AsyncIterator[tuple[Callbacks, str]]:
    peer = Callbacks()
    server = TestServer(peer.app, host="127.0.0.1")
    await server.start_server()
    yield peer, str(server.make_url("/hook"))
    await server.close()


async def _complain_and_get_the_reply(
    http: aiohttp.ClientSession, url: str, peer: Callbacks, external_id: str
) -> dict[str, Any]:
    body = {
        "channel": "api",
        "external_id": external_id,
        "sender": {"id": f"customer-{external_id}"},
        "text": "My parcel 5512 never arrived and nobody answers the phone",
    }
    async with http.post(f"{url}/api/v1/messages", json=body) as resp:
        assert resp.status == 202, await resp.text()

    async def replied() -> list[dict[str, Any]]:
        return peer.for_conversation(f"api:{external_id}")

    (reply,) = await eventually(replied, timeout=60, interval=0.1)
    return reply


async def _two_complaints_answered(
    http: aiohttp.ClientSession, intake_url: str, peer: Callbacks
) -> None:
    # The second arrives while the worker waits idle after the first: only a wake-up
    # brings it to the worker, and its reply to the outbox.
    for external_id in ("wake-1", "wake-2"):
        reply = await _complain_and_get_the_reply(http, intake_url, peer, external_id)
        assert reply["ticket"] is not None and reply["kind"]


async def test_on_postgresql_another_process_is_woken_by_notifications(
    data_dir: Path, postgres_url: str, callbacks: tuple[Callbacks, str]
) -> None:
    peer, hook = callbacks
    settings = {
        "GATEWAY_DATABASE_URL": postgres_url,
        "GATEWAY_POLL_SECONDS": NEVER,
        "GATEWAY_API_CALLBACK_URL": hook,
    }
    procs = []
    try:
        async with aiohttp.ClientSession() as http:
            ports = free_port(), free_port()
            # A runs the worker; B only stores: its messages reach A's worker, and the
            # worker's replies the outboxes, through LISTEN/NOTIFY alone.
            procs.append(start_gateway(data_dir, ports[0], "all", **settings))
            procs.append(start_gateway(data_dir, ports[1], "web", GATEWAY_WORKERS="0", **settings))
            for port, proc in zip(ports, procs, strict=True):
                await wait_healthy(http, f"http://127.0.0.1:{port}", proc)
            await _two_complaints_answered(http, f"http://127.0.0.1:{ports[1]}", peer)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    assert len(peer.received) == 2  # each reply sent once


async def test_the_embedded_run_wakes_its_worker_and_its_outbox(
    data_dir: Path, callbacks: tuple[Callbacks, str]
) -> None:
    peer, hook = callbacks
    port = free_port()
    proc = start_gateway(
        data_dir, port, "all", GATEWAY_POLL_SECONDS=NEVER, GATEWAY_API_CALLBACK_URL=hook
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", proc)
            await _two_complaints_answered(http, f"http://127.0.0.1:{port}", peer)
    finally:
        proc.terminate()
        proc.wait(30)
    assert len(peer.received) == 2
