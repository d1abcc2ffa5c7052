"""Poison messages: one that always fails the pipeline is parked after N attempts, shown in
the audit list and /metrics, left alone by the sweep, and retried only by a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio
import sqlalchemy as sa

from gateway.db.schema import messages
from gateway.settings import load_settings
from gateway.web.keys import PIPELINE
from tests.conftest import LiveGateway, eventually, poisoned_gateway

ATTEMPTS = 3


@pytest_asyncio.fixture
async def poisoned(data_dir: Path, database_url: str) -> AsyncIterator[LiveGateway]:
    """A gateway whose handling fails every message whose text starts with POISON."""
    settings = load_settings(
        data_dir=data_dir, database_url=database_url, pipeline_max_attempts=ATTEMPTS
    )
    async with poisoned_gateway(settings) as live:
        yield live


async def _row(live: LiveGateway, message_id: int) -> dict[str, Any]:
    async with live.http.get(
        f"{live.url}/api/v1/messages", params={"limit": "500"}, headers=live.auth()
    ) as resp:
        assert resp.status == 200, await resp.text()
        (row,) = [m for m in (await resp.json())["messages"] if m["id"] == message_id]
        return dict(row)


async def _sweep_once(live: LiveGateway) -> None:
    pipeline = live.app[PIPELINE]
    await pipeline.resume()
    assert await pipeline.drain(10)


async def test_a_message_that_always_fails_is_parked_visible_and_left_alone(
    poisoned: LiveGateway,
) -> None:
    live = poisoned
    async with live.http.post(
        f"{live.url}/api/v1/messages",
        json={"external_id": "poison-1", "sender": {"id": "p"}, "text": "POISON parcel lost"},
    ) as resp:
        assert resp.status == 202
        message_id = (await resp.json())["id"]
    for _ in range(ATTEMPTS):
        await _sweep_once(live)
    row = await _row(live, message_id)
    assert row["stage"] == "parked" and row["attempts"] == ATTEMPTS
    assert any("parked after 3 failed attempts" in n and "out of range" in n for n in row["notes"])
    async with live.http.get(f"{live.url}/metrics") as resp:
        exposed = await resp.text()
    assert "gateway_messages_parked_total 1.0" in exposed  # parked by this process
    assert "gateway_parked_messages 1.0" in exposed  # parked now, whoever parked it
    # The sweep leaves it alone: no further attempt is counted.
    await _sweep_once(live)
    assert (await _row(live, message_id))["attempts"] == ATTEMPTS
    # Other messages go through meanwhile.
    assert (await live.complain("My washing machine leaks water"))["ticket"] is not None

    # Retrying is a person's decision: agents may not, supervisors may; only parked ones.
    retry = f"{live.url}/api/v1/messages/{message_id}/retry"
    async with live.http.post(retry, headers=live.auth("agent")) as resp:
        assert resp.status == 403
    async with live.http.post(retry, headers=live.auth("supervisor")) as resp:
        assert resp.status == 202
    await eventually(lambda: _parked_again(live, message_id))
    async with live.http.post(retry, headers=live.auth("supervisor")) as resp:
        assert resp.status in (202, 409)  # parked again by now, or still being tried


async def _parked_again(live: LiveGateway, message_id: int) -> bool:
    await _sweep_once(live)
    row = await _row(live, message_id)
    return row["stage"] == "parked" and any(n.startswith("retried by") for n in row["notes"])


async def test_an_odd_stored_row_never_makes_the_audit_list_fail(gateway: LiveGateway) -> None:
    """Rows stored before input was bounded: a year-1 date and notes that are not a list."""
    now = datetime.now(UTC)
    for external_id, received_at in [("odd-1", datetime(1, 1, 1, tzinfo=UTC)), ("odd-2", now)]:
        await gateway.database.write(
            lambda conn, e=external_id, r=received_at: conn.execute(
                sa.insert(messages).values(
                    channel="api", external_id=e, conversation_key=f"api:{e}",
                    sender_id="odd", text="old row", attachments=[], received_at=r,
                    stored_at=now, metadata={}, stage="done", notes={"not": "a list"},
                )
            )
        )  # fmt: skip
    async with gateway.http.get(
        f"{gateway.url}/api/v1/messages", params={"channel": "api"}, headers=gateway.auth()
    ) as resp:
        assert resp.status == 200, await resp.text()
        rows = (await resp.json())["messages"]
    assert {r["external_id"] for r in rows} >= {"odd-1", "odd-2"}
    assert all(r["notes"] == [] for r in rows if r["external_id"].startswith("odd"))
