"""Follow-up surveys: scheduled on resolution, sent once, answered in any of the languages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db.schema import outbox
from handoff.keys import MONITOR
from handoff.policy.routing import set_presence
from handoff.schema import ticket_events, tickets
from tests.handoff.conftest import Desk, logistics_policy, open_desk

DELIVERY_ZH = "我的快递一直没有送到，物流信息十天没更新了，订单号20261103558712"
DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"


async def _resolved(desk: Desk, text: str, conversation: str) -> str:
    number = (await desk.complain(text, conversation_id=conversation))["ticket"]["number"]
    assert (await desk.status(number, "resolved"))[0] == 200
    return str(number)


def _surveys(ticket: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in ticket["messages"] if m.get("kind") == "survey"]


async def test_the_survey_goes_out_a_day_after_resolution_once_in_the_customers_script(
    desk: Desk,
) -> None:
    number = await _resolved(desk, DELIVERY_ZH, "conv-zh")
    assert (await desk.monitor()).surveys_sent == 0
    desk.clock.advance(hours=25)
    assert (await desk.monitor()).surveys_sent == 1
    assert (await desk.monitor()).surveys_sent == 0

    sent = _surveys(await desk.live.ticket(number))
    assert len(sent) == 1
    assert number in sent[0]["text"] and "满意" in sent[0]["text"]


@pytest.mark.parametrize("answer", ["不满意", "2", "not satisfied", "не доволен"])
async def test_an_unsatisfied_answer_reopens_the_ticket_and_routes_it_back(
    desk: Desk, answer: str
) -> None:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en", "zh", "ru"]}))
    await desk.presence("anna", "online")
    number = await _resolved(desk, DELIVERY_ZH, "conv-1")
    desk.clock.advance(hours=25)
    await desk.monitor()

    result = await desk.complain(answer, conversation_id="conv-1")
    assert result["ticket"]["number"] == number
    assert number in result["reply"]["text"]
    ticket = await desk.live.ticket(number)
    assert ticket["status"] == "assigned" and ticket["assignee"] == "anna"
    assert ticket["reopen_count"] == 1
    answered = next(e for e in ticket["events"] if e["type"] == "survey_answered")
    assert answered["data"]["satisfied"] is False


async def test_a_satisfied_answer_closes_the_ticket(desk: Desk) -> None:
    number = await _resolved(desk, DELIVERY_EN, "conv-2")
    desk.clock.advance(hours=25)
    await desk.monitor()
    result = await desk.complain("5", conversation_id="conv-2")
    assert result["reply"] is not None
    ticket = await desk.live.ticket(number)
    assert ticket["status"] == "closed"
    answered = next(e for e in ticket["events"] if e["type"] == "survey_answered")
    assert answered["data"]["score"] == 5 and answered["data"]["satisfied"] is True


async def test_an_unanswered_survey_expires_and_the_ticket_closes(desk: Desk) -> None:
    number = await _resolved(desk, DELIVERY_EN, "conv-3")
    desk.clock.advance(hours=25)
    await desk.monitor()
    desk.clock.advance(days=8)
    assert (await desk.monitor()).surveys_expired == 1
    assert (await desk.live.ticket(number))["status"] == "closed"


async def test_a_new_complaint_after_a_survey_is_not_taken_as_an_answer(desk: Desk) -> None:
    number = await _resolved(desk, DELIVERY_EN, "conv-4")
    desk.clock.advance(hours=25)
    await desk.monitor()
    result = await desk.complain(
        "Now the second parcel, order 20261103558799, arrived broken", conversation_id="conv-4"
    )
    assert result["ticket"]["number"] != number


async def test_the_survey_schedule_survives_a_restart(data_dir: Path, database_url: str) -> None:
    async for first in open_desk(data_dir, database_url):
        number = await _resolved(first, DELIVERY_EN, "conv-5")
    async for second in open_desk(data_dir, database_url):
        second.clock.advance(hours=25)
        assert (await second.monitor()).surveys_sent == 1
        assert len(_surveys(await second.live.ticket(number))) == 1


async def test_two_processes_never_survey_or_assign_twice(
    data_dir: Path, postgres_url: str
) -> None:
    """Two gateways on one PostgreSQL run their monitors at the same moments."""
    async for one in open_desk(data_dir, postgres_url):
        async for two in open_desk(data_dir, postgres_url):
            await one.add_agents("anna", "bob")
            await one.put_policy(
                logistics_policy(
                    {"name": "anna", "languages": ["en"], "capacity": 3},
                    {"name": "bob", "languages": ["en"], "capacity": 3},
                )
            )
            numbers = [await _resolved(one, DELIVERY_EN, f"conv-r{i}") for i in range(3)]
            queued = []
            for i in range(8):
                result = await one.complain(DELIVERY_EN, conversation_id=f"conv-q{i}")
                queued.append(result["ticket"]["number"])
            await _online_without_drain(one, "anna")
            await _online_without_drain(one, "bob")
            for clock in (one.clock, two.clock):
                clock.advance(hours=25)
            for _ in range(3):
                await asyncio.gather(
                    one.live.app[MONITOR].run_once(), two.live.app[MONITOR].run_once()
                )

            counts = await one.live.database.read(_counts, numbers, queued)
            assert counts["surveys"] == {n: 1 for n in numbers}
            assert sorted(counts["assigned_events"].values()) == [0, 0, 1, 1, 1, 1, 1, 1]
            assert counts["loads"] == {"anna": 3, "bob": 3}


async def _online_without_drain(desk: Desk, name: str) -> None:
    """Marks an agent online straight in the database, so only the monitors hand out."""
    await desk.live.database.write(set_presence, name, "online", desk.clock())


def _counts(conn: sa.Connection, numbers: list[str], queued: list[str]) -> dict[str, Any]:
    ids = dict(
        conn.execute(
            sa.select(tickets.c.number, tickets.c.id).where(tickets.c.number.in_(numbers + queued))
        ).all()
    )
    surveys = {
        n: conn.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.ticket_id == ids[n], outbox.c.kind == "survey")
        )
        for n in numbers
    }
    assigned = {
        n: conn.scalar(
            sa.select(sa.func.count())
            .select_from(ticket_events)
            .where(ticket_events.c.ticket_id == ids[n], ticket_events.c.type == "assigned")
        )
        for n in queued
    }
    loads: dict[str, int] = dict(
        conn.execute(
            sa.select(tickets.c.assignee, sa.func.count())
            .where(tickets.c.assignee.is_not(None))
            .group_by(tickets.c.assignee)
        ).all()
    )
    return {"surveys": surveys, "assigned_events": assigned, "loads": loads}
