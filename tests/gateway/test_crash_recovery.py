"""SIGKILL in the middle of a flood loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.schema import messages, outbox
from handoff.schema import tickets
from tests.gateway.processes import free_port, start_gateway, wait_healthy

pytestmark = pytest.mark.slow

COMPLAINTS = [
    "My parcel {n} never arrived and the tracking has not moved for a week",
    "You charged my card twice for order {n}, I want my money back",
    "The kettle from order {n} stopped working after two days",
    "Мой заказ {n} так и не доставили, курьер не отвечает",
    "订单{n}的快递一直没到，客服也不回复",
]


def _final_state(conn: Connection) -> tuple[list[Any], dict[int, int], int]:
    rows = conn.execute(
        sa.select(messages.c.id, messages.c.external_id, messages.c.ticket_id, messages.c.stage)
    ).all()
    acks = dict(
        conn.execute(  # type: ignore[arg-type]
            sa.select(outbox.c.message_id, sa.func.count()).group_by(outbox.c.message_id)
        ).all()
    )
    return rows, acks, int(conn.scalar(sa.select(sa.func.count()).select_from(tickets)) or 0)


async def test_sigkill_during_a_flood_loses_and_duplicates_nothing(
    data_dir: Path, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    accepted: dict[str, int] = {}
    proc = start_gateway(data_dir, port, GATEWAY_DATABASE_URL=database_url)
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, url, proc)

        async def post(n: int) -> None:
            body = {
                "channel": "api",
                "external_id": f"flood-{n}",
                "sender": {"id": f"c{n % 7}"},
                "text": COMPLAINTS[n % len(COMPLAINTS)].format(n=20261100000 + n),
            }
            try:
                async with http.post(f"{url}/api/v1/messages", json=body) as resp:
                    if resp.status == 202:
                        accepted[body["external_id"]] = (await resp.json())["id"]
            except aiohttp.ClientError:
                pass  # the kill landed mid-request: not accepted, so nothing is owed

        flood = [asyncio.create_task(post(n)) for n in range(400)]
        while len(accepted) < 150:
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        await asyncio.gather(*flood)

        # Again, with the same external ids a client would retry, plus the restart.
        proc = start_gateway(data_dir, port, GATEWAY_DATABASE_URL=database_url)
        try:
            await wait_healthy(http, url, proc)
            database = Database(database_url)
            try:
                deadline = time.monotonic() + 120
                while True:
                    left = await database.read(
                        lambda conn: conn.scalar(
                            sa.select(sa.func.count())
                            .select_from(messages)
                            .where(messages.c.stage != "done")
                        )
                    )
                    if left == 0 or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                rows, acks, ticket_count = await database.read(_final_state)
            finally:
                await database.dispose()
        finally:
            proc.terminate()
            proc.wait(30)

    stored = {r.external_id: r for r in rows}
    assert len(accepted) >= 150
    for external_id, message_id in accepted.items():
        row = stored[external_id]
        assert row.id == message_id
        assert row.stage == "done"
        assert row.ticket_id is not None
        assert acks.get(message_id) == 1, f"message {message_id} has {acks.get(message_id)} acks"
    # Messages stored but whose 202 never reached the client are complete too.
    assert all(r.stage == "done" and acks.get(r.id) == 1 for r in rows)
    assert ticket_count == len({r.ticket_id for r in rows})
    assert proc.returncode == 0  # SIGTERM is a graceful stop
