"""Poison messages in the console: staff see what the pipeline gave up on and why, and a
supervisor puts one back with Retry (the API and Chromium through Playwright)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from gateway.settings import load_settings
from gateway.store.sessions import hash_password, set_password
from gateway.web.keys import PIPELINE
from tests.conftest import LiveGateway, eventually, poisoned_gateway
from tests.handoff.test_console import (
    PASSWORD,
    browser,
    browser_installed,
    chromium,
    page,
    sign_in,
)

try:
    from playwright.async_api import Page, expect
except ImportError:  # the `browser` fixture skips and names the reason
    pass

__all__ = ["browser", "browser_installed", "chromium", "page"]

POISON = "POISON: my parcel never arrived and the tracking page crashes"


@pytest_asyncio.fixture
async def poisoned(data_dir: Path) -> AsyncIterator[LiveGateway]:
    """A gateway whose handling fails every message starting with POISON, parked at once."""
    settings = load_settings(data_dir=data_dir, pipeline_max_attempts=1)
    async with poisoned_gateway(settings) as live:
        yield live


async def _parked(live: LiveGateway, role: str = "agent") -> dict[str, Any]:
    async with live.http.get(f"{live.url}/api/v1/messages/parked", headers=live.auth(role)) as r:
        assert r.status == 200, await r.text()
        return dict(await r.json())


async def _park_one(live: LiveGateway) -> int:
    body = {"external_id": "poison-1", "sender": {"id": "p", "name": "Pat Doe"}, "text": POISON}
    async with live.http.post(f"{live.url}/api/v1/messages", json=body) as resp:
        message_id = int((await resp.json())["id"])

    async def parked() -> bool:
        await live.app[PIPELINE].resume()
        await live.app[PIPELINE].drain(10)
        return any(m["id"] == message_id for m in (await _parked(live))["messages"])

    await eventually(parked)
    return message_id


async def test_staff_see_each_parked_message_with_why_it_was_parked(
    poisoned: LiveGateway,
) -> None:
    live = poisoned
    assert await _parked(live) == {"messages": [], "total": 0}
    message_id = await _park_one(live)
    assert (await live.complain("My washing machine leaks water"))["ticket"] is not None
    listed = await _parked(live)
    assert listed["total"] == 1
    [shown] = listed["messages"]
    assert shown["id"] == message_id and shown["preview"] == POISON
    assert shown["channel"] == "api" and shown["sender"]["name"] == "Pat Doe"
    assert "out of range" in shown["notes"][-1] and shown["attempts"] == 1
    assert shown["received_at"].endswith("+08:00")  # business time, like the console
    async with live.http.get(f"{live.url}/api/v1/messages/parked") as resp:
        assert resp.status == 401


async def test_a_supervisor_retries_a_parked_message_from_the_console(
    page: Page, poisoned: LiveGateway
) -> None:
    live = poisoned
    message_id = await _park_one(live)
    await live.database.write(set_password, "test-supervisor", hash_password(PASSWORD))
    await sign_in(page, live.url, "test-supervisor")
    box = page.locator("#parked")
    await expect(box).to_be_visible()
    await expect(page.locator("#parked-count")).to_have_text("1")
    await box.locator("summary").click()
    item = box.locator(f'[data-id="{message_id}"]')
    await expect(item).to_contain_text(POISON)
    await expect(item).to_contain_text("out of range")
    await item.get_by_role("button", name="Retry").click()
    await expect(page.locator("#parked-status")).to_have_text(
        f"Message {message_id} is queued again."
    )

    async def retried() -> bool:
        async with live.http.get(
            f"{live.url}/api/v1/messages", params={"limit": "10"}, headers=live.auth()
        ) as resp:
            row = next(m for m in (await resp.json())["messages"] if m["id"] == message_id)
        return "retried by test-supervisor" in row["notes"]

    await eventually(retried)


async def test_an_agent_sees_parked_messages_but_no_retry(
    page: Page, poisoned: LiveGateway
) -> None:
    live = poisoned
    message_id = await _park_one(live)
    await live.database.write(set_password, "test-agent", hash_password(PASSWORD))
    await sign_in(page, live.url, "test-agent")
    item = page.locator(f'#parked [data-id="{message_id}"]')
    await page.locator("#parked summary").click()
    await expect(item).to_contain_text(POISON)
    await expect(item.locator("button")).to_have_count(0)
