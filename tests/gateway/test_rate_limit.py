"""Rate limits: the N+1st hit in the window is refused (429 + Retry-After over HTTP, an error
frame on the chat socket), other clients are unaffected, and with Redis the count is shared
by every process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from gateway.settings import load_settings
from gateway.web.rate_limit import Limit, MemoryCounter, RateLimiter
from tests.conftest import LiveGateway, port_open, require_service, running_gateway

LIMITS = {
    "rate_limit_intake": 3,
    "rate_limit_chat_messages": 2,
    "rate_limit_chat_sessions": 2,
    "rate_limit_sign_in": 2,
}


@pytest_asyncio.fixture
async def limited(data_dir: Path) -> AsyncIterator[LiveGateway]:
    async with running_gateway(load_settings(data_dir=data_dir, **LIMITS)) as live:
        yield live


def _from(address: str) -> aiohttp.ClientSession:
    """A client whose connections come from another loopback address."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


async def _intake(http: aiohttp.ClientSession, live: LiveGateway) -> aiohttp.ClientResponse:
    body = {"external_id": uuid.uuid4().hex, "sender": {"id": "r"}, "text": "parcel late"}
    async with http.post(f"{live.url}/api/v1/messages", json=body) as resp:
        await resp.read()
        return resp


async def test_the_intake_request_past_the_limit_is_429_and_other_clients_go_on(
    limited: LiveGateway,
) -> None:
    statuses = [(await _intake(limited.http, limited)).status for _ in range(3)]
    assert statuses == [202, 202, 202]
    async with limited.http.post(
        f"{limited.url}/api/v1/messages",
        json={"external_id": "over", "sender": {"id": "r"}, "text": "parcel late"},
    ) as resp:
        assert resp.status == 429
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
        error = (await resp.json())["error"]
    assert error["code"] == "rate_limited" and "retry after" in error["message"]
    async with _from("127.0.0.2") as other:
        assert (await _intake(other, limited)).status == 202
    async with limited.http.get(f"{limited.url}/healthz") as resp:
        assert resp.status == 200  # only the limited routes are limited


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 10)
        if frame["type"] == kind:
            return dict(frame)


async def test_chat_messages_past_the_limit_get_a_frame_and_the_socket_stays(
    limited: LiveGateway,
) -> None:
    async with limited.http.ws_connect(f"{limited.url}/ws/chat") as ws:
        for n in range(2):
            await ws.send_json({"type": "message", "text": f"broken screen {n}", "id": f"m{n}"})
            await _next(ws, "received")
        await ws.send_json({"type": "message", "text": "broken screen 3", "id": "m3"})
        error = (await _next(ws, "error"))["error"]
        assert error["code"] == "rate_limited" and error["retry_after"] >= 1
        await ws.send_json({"type": "ping"})
        await _next(ws, "pong")
    # Another session (from another address, as the session limit is per address) goes on.
    async with _from("127.0.0.3") as other, other.ws_connect(f"{limited.url}/ws/chat") as ws:
        await ws.send_json({"type": "message", "text": "broken screen", "id": "x"})
        assert (await _next(ws, "received"))["duplicate"] is False


async def test_new_chat_sessions_and_failed_sign_ins_past_the_limit_are_429(
    limited: LiveGateway,
) -> None:
    async with _from("127.0.0.4") as http:
        for _ in range(2):
            async with http.ws_connect(f"{limited.url}/ws/chat"):
                pass
        async with http.get(f"{limited.url}/ws/chat", headers=_upgrade()) as resp:
            assert resp.status == 429 and resp.headers["Retry-After"]
            assert (await resp.json())["error"]["code"] == "rate_limited"
        bad = {"Authorization": "Bearer not-a-token"}
        statuses = []
        for _ in range(3):
            async with http.get(f"{limited.url}/api/v1/tickets", headers=bad) as resp:
                statuses.append(resp.status)
        assert statuses == [401, 401, 429]
        # A real token still works from there: only failures are counted.
        async with http.get(f"{limited.url}/api/v1/tickets", headers=limited.auth()) as resp:
            assert resp.status == 200


async def test_console_sign_ins_past_the_limit_are_429(limited: LiveGateway) -> None:
    async with _from("127.0.0.5") as http:
        codes = []
        for _ in range(3):
            async with http.post(
                f"{limited.url}/api/v1/session", json={"name": "nobody", "password": "guess"}
            ) as resp:
                codes.append((resp.status, (await resp.json())["error"]["code"]))
    assert codes[:2] == [(401, "wrong_credentials")] * 2
    assert codes[2] == (429, "rate_limited")


def _upgrade() -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }


async def test_with_redis_the_count_is_shared_by_every_process(data_dir: Path) -> None:
    require_service(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    settings = load_settings(data_dir=data_dir, redis_url="redis://127.0.0.1:6379/0")
    # Two limiters are what two processes hold: each counts in the same Redis keys.
    first, second = RateLimiter(settings), RateLimiter(settings)
    limit = Limit(f"test-{uuid.uuid4().hex[:8]}", 4, 60)
    try:
        answers = [await (first if n % 2 else second).check(limit, "10.0.0.1") for n in range(4)]
        assert answers == [None] * 4
        assert (await first.check(limit, "10.0.0.1")) is not None
        assert (await second.check(limit, "10.0.0.1")) is not None
        assert (await second.check(limit, "10.0.0.2")) is None
    finally:
        await first.close()
        await second.close()


async def test_with_redis_away_requests_are_not_refused(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(data_dir=data_dir, redis_url="redis://127.0.0.1:1/0")
    limiter = RateLimiter(settings)
    try:
        assert await limiter.check(Limit("x", 1, 60), "k") is None
        assert await limiter.check(Limit("x", 1, 60), "k") is None
    finally:
        await limiter.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "gateway.web.rate_limit"]
    assert len(warnings) == 1  # once per outage, not once per request
    assert warnings[0].startswith("rate limits not checked until Redis answers again")


async def test_the_in_memory_count_holds_at_most_its_bound_of_clients() -> None:
    counter = MemoryCounter(max_keys=100)
    window = 1e9  # one window for the whole test: no count restarts at an edge
    for n in range(1000):  # a flood from a thousand addresses
        await counter.hit(f"intake:10.0.{n // 256}.{n % 256}", window)
    assert len(counter) <= 100
    counts = [(await counter.hit("intake:10.9.9.9", window))[0] for _ in range(3)]
    assert counts == [1, 2, 3]  # a client seen just now is still counted
