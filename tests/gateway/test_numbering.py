"""Ticket numbers: the month in the business time zone, and serials that never repeat."""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from handoff.policy.numbering import format_ticket_number, next_ticket_number, ticket_period
from tests.conftest import LiveGateway

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_period_is_the_business_month_not_the_utc_month() -> None:
    # 2026-11-30 16:30 UTC is already 2026-12-01 00:30 in Shanghai.
    assert ticket_period(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI) == "202612"
    assert ticket_period(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), SHANGHAI) == "202611"


def test_numbers_have_the_contract_format() -> None:
    assert format_ticket_number("TS", "202611", 1) == "TS-202611-000001"


async def test_the_serial_restarts_when_the_business_month_rolls_over(database_url: str) -> None:
    database = Database(database_url)
    await upgrade(database)
    before = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)
    after = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)  # midnight in Shanghai
    got = await database.write(
        lambda conn: [
            next_ticket_number(conn, "TS", SHANGHAI, before),
            next_ticket_number(conn, "TS", SHANGHAI, before),
            next_ticket_number(conn, "TS", SHANGHAI, after),
        ]
    )
    await database.dispose()
    assert got == ["TS-202611-000001", "TS-202611-000002", "TS-202612-000001"]


async def test_received_time_decides_the_ticket_month(gateway: LiveGateway) -> None:
    result = await gateway.complain(
        "The vacuum cleaner stopped working on the first day",
        received_at="2026-10-31T16:30:00+00:00",  # 2026-11-01 00:30 in Shanghai
    )
    assert result["ticket"]["number"].startswith("TS-202611-")


def _allocate(url: str, count: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> list[str]:
        database = Database(url)
        numbers = []
        for _ in range(count):
            numbers.append(
                await database.write(
                    next_ticket_number, "TS", SHANGHAI, datetime(2026, 11, 5, tzinfo=UTC)
                )
            )
        await database.dispose()
        return numbers

    out.put(asyncio.run(run()))


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
@pytest.mark.postgres
async def test_on_postgresql_an_open_ticket_transaction_holds_up_no_other_draw(
    postgres_url: str,
) -> None:
    database = Database(postgres_url)
    await upgrade(database)
    moment = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            transaction = await conn.begin()
            first = await conn.run_sync(next_ticket_number, "TS", SHANGHAI, moment)
            # That ticket's batch is still open: another worker's draw must not wait for it
            # (the timeout only keeps a regression from hanging the test).
            second = await asyncio.wait_for(
                database.write(next_ticket_number, "TS", SHANGHAI, moment), 30
            )
            await transaction.rollback()
        third = await database.write(next_ticket_number, "TS", SHANGHAI, moment)
    finally:
        await engine.dispose()
        await database.dispose()
    # The rolled-back ticket's number stays unused: numbers skip, never repeat.
    assert [first, second, third] == ["TS-202611-000001", "TS-202611-000002", "TS-202611-000003"]


async def test_two_processes_never_draw_the_same_serial(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    await upgrade(database)
    await database.dispose()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_allocate, args=(database_url, 60, out)) for _ in range(3)]
    for w in workers:
        w.start()
    numbers = [n for _ in workers for n in out.get(timeout=120)]
    for w in workers:
        w.join(30)
    assert len(numbers) == 180
    assert len(set(numbers)) == 180
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 181))
