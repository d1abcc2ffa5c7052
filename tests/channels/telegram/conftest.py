"""The Telegram channel's fixtures: the Bot API stand-in and a gateway pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp.test_utils import TestServer

from gateway.messages import InboundMessage
from gateway.settings import load_settings
from tests.conftest import LiveGateway, running_gateway

from .standin import TOKEN, BotApiStandIn

SECRET = "wh-secret_0123456789abcdef"
#: Fast retries, so failure tests take a second, not minutes.
FAST_OUTBOX = {"outbox_base_delay_seconds": 0.05, "outbox_max_delay_seconds": 0.2}


@pytest_asyncio.fixture
async def bot_api() -> AsyncIterator[tuple[BotApiStandIn, str]]:
    standin = BotApiStandIn()
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    yield standin, str(server.make_url("")).rstrip("/")
    await server.close()


@asynccontextmanager
async def telegram_gateway(
    data_dir: Path, api_base: str, **settings: Any
) -> AsyncIterator[LiveGateway]:
    """A gateway whose Telegram channel talks to the stand-in (webhook mode by default)."""
    values = {
        "data_dir": data_dir,
        "telegram_token": TOKEN,
        "telegram_api_base": api_base,
        "telegram_webhook_secret": SECRET,
        **FAST_OUTBOX,
        **settings,
    }
    async with running_gateway(load_settings(**values)) as live:
        yield live


@pytest_asyncio.fixture
async def webhook_gateway(
    data_dir: Path, bot_api: tuple[BotApiStandIn, str]
) -> AsyncIterator[LiveGateway]:
    async with telegram_gateway(data_dir, bot_api[1]) as live:
        yield live


async def post_update(
    live: LiveGateway, update: dict[str, Any], secret: str | None = SECRET
) -> tuple[int, str]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with live.http.post(f"{live.url}/telegram/webhook", json=update, headers=headers) as resp:
        return resp.status, await resp.text()


async def stored(live: LiveGateway, **query: str) -> list[dict[str, Any]]:
    """Stored Telegram messages, newest first, through the audit route."""
    async with live.http.get(
        f"{live.url}/api/v1/messages",
        params={"channel": "telegram", "limit": "500", **query},
        headers=live.auth("admin"),
    ) as resp:
        assert resp.status == 200, await resp.text()
        return list((await resp.json())["messages"])


class FailingIntake:
    """Storage that is away for its first `failures` writes."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.stored: list[str] = []

    async def accept(self, message: InboundMessage) -> tuple[int, bool]:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("disk I/O error")
        self.stored.append(message.external_id)
        return len(self.stored), True

    async def wait_processed(self, message_id: int, timeout: float) -> bool:
        return True

    async def result(self, message_id: int) -> dict[str, Any]:
        return {}
