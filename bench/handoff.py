"""Handoff benchmark, run by hand: ``python bench/handoff.py [--tickets 100000]``.

Prints one line per figure, each with its baseline from the same run:

- deadlines: `BusinessCalendar.add_business_hours` and `deadlines_for` per call over 10,000
  random receipt times (goal under 1 ms each);
- routing: `routing.choose_agent` per call on SQLite with 20 agents and ~1,000 open tickets
  (goal under 1 ms), against a `SELECT 1` round trip on the same connection;
- statistics: `period_stats` over 100,000 tickets in a 30-day period on SQLite and on
  PostgreSQL (a database created and dropped here; skipped when the server is not up),
  median of 5 runs (goal under 500 ms), against `SELECT count(*) FROM tickets`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.db.engine import Database  # noqa: E402
from gateway.db.migrate import upgrade  # noqa: E402
from gateway.db.schema import conversations, customers  # noqa: E402
from handoff.policy import routing  # noqa: E402
from handoff.policy.deadlines import deadlines_for  # noqa: E402
from handoff.policy.policy import Policy  # noqa: E402
from handoff.policy.stats import period_stats  # noqa: E402
from handoff.schema import sales, surveys, tickets  # noqa: E402
from tests.conftest import fresh_postgres_database, port_open  # noqa: E402

#: Berlin, so that the 30-day period crosses a daylight-saving change (the costlier case).
ZONE = ZoneInfo("Europe/Berlin")
PERIOD_END = datetime(2026, 11, 10, tzinfo=ZONE)
PERIOD_START = PERIOD_END - timedelta(days=30)
CATEGORIES = ["delivery", "billing", "product_quality", "service_attitude", "after_sales", "other"]
CHANNELS = ["email", "telegram", "web", "api"]
STATUSES = ["new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"]
PRODUCTS = [f"Product {n}" for n in range(40)]
ROUTING_CALLS = 2_000


def per_call_us(fn: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1e6


def line(name: str, value: float, unit: str, baseline_name: str, baseline: float) -> None:
    print(
        f"{name:<44} {value:>10.1f} {unit:<3}  baseline {baseline_name} {baseline:.1f} {unit}"
        f"  ratio {value / baseline:.1f}x"
    )


# --- (a) deadlines and routing ---------------------------------------------------------------


def routing_policy() -> Policy:
    languages = [["en"], ["zh"], ["en", "zh"], ["en", "ru"]]
    agents = [
        {
            "name": f"agent{n:02d}",
            "department": "logistics",
            "languages": languages[n % 4],
            "capacity": 80,
        }
        for n in range(20)
    ]
    return Policy.model_validate({"agents": agents})


def seed_routing(conn: Connection, policy: Policy, now: datetime) -> None:
    for agent in policy.agents:
        routing.set_presence(conn, agent.name, "online", now)
    rng = random.Random(3)
    rows = [
        ticket_row(rng, now - timedelta(hours=rng.uniform(0, 72)), n)
        | {"status": "assigned", "assignee": rng.choice(policy.agents).name}
        for n in range(1_000)
    ]
    insert_tickets(conn, rows)


def time_routing(conn: Connection, policy: Policy) -> tuple[float, float]:
    select_one = per_call_us(lambda: conn.scalar(sa.text("SELECT 1")), ROUTING_CALLS)
    choose = per_call_us(
        lambda: routing.choose_agent(conn, policy, "logistics", "en", "delivery"), ROUTING_CALLS
    )
    return choose, select_one


async def bench_deadlines_and_routing(workdir: Path) -> None:
    policy = routing_policy()
    calendar = policy.calendar_in("Asia/Shanghai")
    rng = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    received = [start + timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(10_000)]
    targets = [policy.sla["general"], policy.sla["major"]]

    began = time.perf_counter()
    for at in received:
        calendar.add_business_hours(at, 8)
    add_hours = (time.perf_counter() - began) / len(received) * 1e6
    began = time.perf_counter()
    for n, at in enumerate(received):
        deadlines_for(at, targets[n % 2], calendar)
    deadlines = (time.perf_counter() - began) / len(received) * 1e6

    db = Database(f"sqlite+aiosqlite:///{workdir / 'routing.db'}")
    try:
        await upgrade(db)
        await db.write(seed_routing, policy, datetime.now(UTC))
        await db.read(time_routing, policy)  # warm the statement cache
        choose, select_one = await db.read(time_routing, policy)
    finally:
        await db.dispose()
    line("add_business_hours(8 h) per call", add_hours, "µs", "SELECT 1 (SQLite)", select_one)
    line("deadlines_for per call", deadlines, "µs", "SELECT 1 (SQLite)", select_one)
    line(
        "choose_agent (SQLite, 20 agents, 1,000 open)",
        choose,
        "µs",
        "SELECT 1 (SQLite)",
        select_one,
    )


# --- (b) period statistics -------------------------------------------------------------------


def ticket_row(rng: random.Random, created: datetime, n: int) -> dict[str, Any]:
    status = rng.choice(STATUSES)
    responded = (
        created + timedelta(minutes=rng.expovariate(1 / 120)) if rng.random() < 0.8 else None
    )
    handled = created + timedelta(hours=rng.expovariate(1 / 30))
    return {
        "number": f"B{n:08d}-{uuid.uuid4().hex[:8]}",
        "status": status,
        "category": rng.choice(CATEGORIES),
        "urgency": "normal",
        "severity": rng.choice(["general", "general", "general", "important", "major"]),
        "language": "en",
        "channel": rng.choice(CHANNELS),
        "department": rng.choice(["logistics", "finance", "quality", "customer_service"]),
        "assignee": None,
        "created_at": created,
        "updated_at": created,
        "first_response_due": created + timedelta(hours=8),
        "resolution_due": created + timedelta(hours=40),
        "first_responded_at": responded,
        "resolved_at": handled if status in ("resolved", "closed") else None,
        "closed_at": handled if status == "closed" else None,
        "waiting_since": created if status == "waiting_customer" else None,
        "product": rng.choice(PRODUCTS) if rng.random() < 0.3 else None,
        "customer_id": 1,
        "conversation_id": 1,
    }


def insert_tickets(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if conn.scalar(sa.select(customers.c.id).where(customers.c.id == 1)) is None:
        now = datetime.now(UTC)
        conn.execute(sa.insert(customers).values(id=1, created_at=now))
        conn.execute(
            sa.insert(conversations).values(
                id=1, channel="api", conversation_key="bench", customer_id=1, updated_at=now
            )
        )
    conn.execute(sa.insert(tickets), rows)


def add_surveys(conn: Connection) -> None:
    # A survey for every fifth ticket, two thirds of them satisfied.
    ids = list(conn.scalars(sa.select(tickets.c.id).where(tickets.c.id % 5 == 0)))
    now = datetime.now(UTC)
    conn.execute(
        sa.insert(surveys),
        [
            {
                "ticket_id": ticket_id,
                "conversation_id": 1,
                "status": "answered",
                "due_at": now,
                "answered_at": now,
                "score": 4,
                "satisfied": ticket_id % 3 != 0,
            }
            for ticket_id in ids
        ],
    )
    months = ["2026-10", "2026-11"]
    conn.execute(
        sa.insert(sales),
        [{"product": p, "month": m, "units": 10_000} for p in PRODUCTS for m in months],
    )


def analyze(conn: Connection) -> None:
    conn.execute(sa.text("ANALYZE"))


def time_stats(conn: Connection) -> tuple[float, float, int]:
    counts, figures = [], []
    now = PERIOD_END.astimezone(UTC)
    tickets_seen = 0
    for _ in range(5):
        began = time.perf_counter()
        conn.scalar(sa.text("SELECT count(*) FROM tickets"))
        counts.append(time.perf_counter() - began)
        began = time.perf_counter()
        result = period_stats(conn, PERIOD_START, PERIOD_END, ZONE, now)
        figures.append(time.perf_counter() - began)
        tickets_seen = result["tickets"]
    return statistics.median(figures) * 1e3, statistics.median(counts) * 1e3, tickets_seen


async def bench_stats(name: str, url: str, count: int) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        rng = random.Random(2)
        span = (PERIOD_END - PERIOD_START).total_seconds()
        for first in range(0, count, 10_000):
            rows = [
                ticket_row(rng, PERIOD_START + timedelta(seconds=rng.uniform(0, span)), n)
                for n in range(first, min(first + 10_000, count))
            ]
            await db.write(insert_tickets, rows)
        await db.write(add_surveys)
        await db.write(analyze)
        await db.read(time_stats)  # warm caches, as a running gateway's are
        median, baseline, seen = await db.read(time_stats)
    finally:
        await db.dispose()
    line(f"period_stats, {seen:,} tickets ({name}), median", median, "ms", "count(*)", baseline)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        await bench_deadlines_and_routing(Path(workdir))
        await bench_stats(
            "SQLite", f"sqlite+aiosqlite:///{Path(workdir) / 'stats.db'}", args.tickets
        )
    if not port_open("127.0.0.1", 5432):
        print("period_stats (PostgreSQL): skipped, no server on 127.0.0.1:5432")
        return
    async with fresh_postgres_database() as url:
        await bench_stats("PostgreSQL", url, args.tickets)


if __name__ == "__main__":
    asyncio.run(main())
