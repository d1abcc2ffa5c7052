"""Supervisor statistics over a period, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.schema import conversations, customers
from handoff.policy.sales import SalesRow, import_sales
from handoff.policy.stats import period_stats
from handoff.schema import surveys, tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def ticket(created_at: datetime, **columns: Any) -> dict[str, Any]:
    """A tickets row with every column tests set, defaults filled in."""
    created_at = created_at.astimezone(UTC)
    return {
        "number": f"T-{uuid.uuid4().hex[:20]}",
        "status": "new",
        "category": "delivery",
        "urgency": "normal",
        "severity": "general",
        "language": "en",
        "channel": "api",
        "department": "logistics",
        "created_at": created_at,
        "updated_at": created_at,
        "first_response_due": created_at + timedelta(hours=8),
        "resolution_due": created_at + timedelta(hours=40),
        "first_responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "waiting_since": None,
        "product": None,
        "order_prefix": None,
        **columns,
    }


def add_tickets(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Inserts the rows (from `ticket`) for one new customer; returns their ids in order."""
    customer_id = conn.scalar(sa.insert(customers).values(created_at=NOW).returning(customers.c.id))
    conversation_id = conn.scalar(
        sa.insert(conversations)
        .values(
            channel="api",
            conversation_key=uuid.uuid4().hex,
            customer_id=customer_id,
            updated_at=NOW,
        )
        .returning(conversations.c.id)
    )
    owner = {"customer_id": customer_id, "conversation_id": conversation_id}
    conn.execute(sa.insert(tickets), [{**row, **owner} for row in rows])
    query = sa.select(tickets.c.number, tickets.c.id).where(
        tickets.c.conversation_id == conversation_id
    )
    ids = {number: ticket_id for number, ticket_id in conn.execute(query)}
    return [ids[row["number"]] for row in rows]


def stats(
    db: Database, start: datetime, end: datetime, zone: ZoneInfo = UTC_ZONE, now: datetime = NOW
) -> Any:
    return db.read(period_stats, start, end, zone, now)


async def test_counts_and_days_in_the_business_time_zone(db: Database) -> None:
    rows = [
        # 23:30 on 1 November in Shanghai, though only 15:30 UTC.
        ticket(datetime(2026, 11, 1, 15, 30, tzinfo=UTC), channel="email"),
        ticket(
            datetime(2026, 11, 2, 0, 30, tzinfo=SHANGHAI),
            category="billing",
            department="finance",
            severity="major",
            status="assigned",
        ),
        ticket(datetime(2026, 11, 2, 11, tzinfo=SHANGHAI), channel="telegram"),
        # Just outside either end of the period.
        ticket(datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI)),
        ticket(datetime(2026, 11, 4, tzinfo=SHANGHAI)),
    ]
    await db.write(add_tickets, rows)

    result = await stats(
        db, datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 11, 4, tzinfo=SHANGHAI), SHANGHAI
    )

    assert result["from"] == "2026-10-31T16:00:00+00:00"
    assert result["to"] == "2026-11-03T16:00:00+00:00"
    assert result["tickets"] == 3
    assert result["by_day"] == {"2026-11-01": 1, "2026-11-02": 2, "2026-11-03": 0}
    assert result["by_category"] == {"billing": 1, "delivery": 2}
    assert result["by_channel"] == {"api": 1, "email": 1, "telegram": 1}
    assert result["by_department"] == {"finance": 1, "logistics": 2}
    assert result["by_severity"] == {"general": 2, "major": 1}
    assert result["by_status"] == {"assigned": 1, "new": 2}


async def test_days_follow_a_daylight_saving_change(db: Database) -> None:
    # Berlin falls back from UTC+2 to UTC+1 early on 25 October 2026.
    times = [
        datetime(2026, 10, 24, 21, 30, tzinfo=UTC),  # 23:30 on the 24th (UTC+2)
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 on the 25th (UTC+2)
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 on the 25th (UTC+1)
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 00:30 on the 26th (UTC+1)
    ]
    await db.write(add_tickets, [ticket(at) for at in times])

    result = await stats(
        db, datetime(2026, 10, 24, tzinfo=BERLIN), datetime(2026, 10, 27, tzinfo=BERLIN), BERLIN
    )

    assert result["by_day"] == {"2026-10-24": 1, "2026-10-25": 2, "2026-10-26": 1}


async def test_timely_handling_and_first_response(db: Database) -> None:
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    due = day + timedelta(hours=40)
    rows = [
        # Resolved in time, answered after 30 minutes.
        ticket(
            day,
            status="resolved",
            resolved_at=due - timedelta(hours=1),
            first_responded_at=day + timedelta(minutes=30),
        ),
        # Resolved late, answered after 10 hours (first response was due after 8).
        ticket(
            day,
            status="closed",
            resolved_at=due + timedelta(hours=1),
            closed_at=due + timedelta(hours=2),
            first_responded_at=day + timedelta(hours=10),
        ),
        # Open, its deadline passed: decided, late.
        ticket(day),
        # Open, its resolution deadline still ahead but answered on time: not decided yet.
        ticket(
            day,
            resolution_due=NOW + timedelta(days=1),
            first_responded_at=day + timedelta(hours=1),
        ),
        # Open, resolution still ahead, but nobody answered by the first-response deadline:
        # already late, so it counts against the rate while it is open.
        ticket(day, resolution_due=NOW + timedelta(days=1)),
        # Closed without a resolution (a duplicate, say), in time; answered after 10 minutes.
        ticket(
            day,
            status="closed",
            closed_at=day + timedelta(hours=1),
            first_responded_at=day + timedelta(minutes=10),
        ),
        # Waiting for the customer since before its deadline: the clock is paused.
        ticket(
            day,
            status="waiting_customer",
            waiting_since=day + timedelta(hours=2),
            first_responded_at=day + timedelta(hours=1),
        ),
        # Waiting, but the deadline had passed before the wait began: decided, late.
        ticket(day, status="waiting_customer", waiting_since=due + timedelta(hours=1)),
    ]
    await db.write(add_tickets, rows)

    result = await stats(db, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))

    assert result["timely_handling"] == {"rate": 2 / 6, "handled_in_time": 2, "decided": 6}
    assert result["first_response"]["responded"] == 5
    assert result["first_response"]["within_deadline"] == 4
    assert result["first_response"]["mean_seconds"] == pytest.approx(
        (1800 + 36000 + 3600 + 600 + 3600) / 5
    )


def _add_surveys(conn: Connection, ticket_ids: list[int], answers: list[Any]) -> None:
    for ticket_id, answer in zip(ticket_ids, answers, strict=True):
        conversation_id = conn.scalar(
            sa.select(tickets.c.conversation_id).where(tickets.c.id == ticket_id)
        )
        status, satisfied = answer
        conn.execute(
            sa.insert(surveys).values(
                ticket_id=ticket_id,
                conversation_id=conversation_id,
                status=status,
                due_at=NOW,
                answered_at=NOW if status == "answered" else None,
                satisfied=satisfied,
                score=None if satisfied is None else (5 if satisfied else 2),
            )
        )


async def test_satisfaction_counts_answered_surveys_of_the_period(db: Database) -> None:
    day = datetime(2026, 11, 2, tzinfo=UTC)
    ids = await db.write(add_tickets, [ticket(day) for _ in range(6)])
    earlier = await db.write(add_tickets, [ticket(day - timedelta(days=30))])
    answers = [
        ("answered", True),
        ("answered", False),
        ("answered", True),
        ("sent", None),
        ("expired", None),
        ("scheduled", None),
        ("answered", False),  # a ticket from before the period
    ]
    await db.write(_add_surveys, ids + earlier, answers)

    result = await stats(db, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))

    assert result["satisfaction"] == {"rate": pytest.approx(2 / 3), "satisfied": 2, "surveyed": 3}


async def test_incidence_over_the_months_with_known_sales(db: Database) -> None:
    await db.write(
        import_sales,
        [
            SalesRow("Kettle", "2026-11", 1000),
            SalesRow("Kettle", "2026-10", 500),  # a month the period does not touch
            SalesRow("Toaster", "2026-11", 200),
            SalesRow("Mixer", "2026-12", 300),  # sales only outside the period
        ],
    )
    rows = [
        # Complaints in November in Shanghai, inside the period or not, count.
        ticket(datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), product="Kettle"),
        ticket(datetime(2026, 11, 15, tzinfo=SHANGHAI), product="Kettle"),
        ticket(datetime(2026, 11, 30, 23, tzinfo=SHANGHAI), product="Kettle"),
        ticket(datetime(2026, 11, 12, tzinfo=SHANGHAI), product="Toaster"),
        # Still October in Shanghai: not counted.
        ticket(datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI), product="Kettle"),
        ticket(datetime(2026, 11, 12, tzinfo=SHANGHAI), product="Mixer"),
        ticket(datetime(2026, 11, 12, tzinfo=SHANGHAI), product="Unsold"),
        ticket(datetime(2026, 11, 12, tzinfo=SHANGHAI)),
    ]
    await db.write(add_tickets, rows)

    result = await stats(
        db,
        datetime(2026, 11, 10, tzinfo=SHANGHAI),
        datetime(2026, 11, 20, tzinfo=SHANGHAI),
        SHANGHAI,
    )

    assert result["incidence"] == {
        "rate": pytest.approx(4 / 1200),
        "complaints": 4,
        "sales": 1200,
        "by_product": {
            "Kettle": {"complaints": 3, "sales": 1000, "rate": 0.003, "months": ["2026-11"]},
            "Toaster": {"complaints": 1, "sales": 200, "rate": 0.005, "months": ["2026-11"]},
        },
    }


async def test_a_period_spanning_months_sums_each_products_months(db: Database) -> None:
    await db.write(
        import_sales, [SalesRow("Kettle", "2026-10", 100), SalesRow("Kettle", "2026-11", 300)]
    )
    rows = [ticket(datetime(2026, 10, 5, tzinfo=UTC), product="Kettle")] * 2 + [
        ticket(datetime(2026, 11, 5, tzinfo=UTC), product="Kettle")
    ]
    await db.write(add_tickets, [{**row, "number": f"T-{i}"} for i, row in enumerate(rows)])

    result = await stats(db, datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))

    kettle = result["incidence"]["by_product"]["Kettle"]
    assert kettle == {
        "complaints": 3,
        "sales": 400,
        "rate": 0.0075,
        "months": ["2026-10", "2026-11"],
    }


async def test_an_empty_period_has_zero_counts_and_no_rates(db: Database) -> None:
    await db.write(add_tickets, [ticket(datetime(2026, 9, 1, tzinfo=UTC))])

    result = await stats(db, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))

    assert result["tickets"] == 0
    assert result["by_category"] == {}
    assert result["by_day"] == {"2026-11-01": 0, "2026-11-02": 0}
    assert result["timely_handling"] == {"rate": None, "handled_in_time": 0, "decided": 0}
    assert result["first_response"] == {"mean_seconds": None, "responded": 0, "within_deadline": 0}
    assert result["satisfaction"] == {"rate": None, "satisfied": 0, "surveyed": 0}
    assert result["incidence"] == {"rate": None, "complaints": 0, "sales": 0, "by_product": {}}
    assert result["spike_warnings"] == []
