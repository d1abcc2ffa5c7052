"""Deadlines on the business calendar, and routing by language, presence and load."""

from __future__ import annotations

from datetime import datetime

from tests.handoff.conftest import Desk, logistics_policy

DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"
DELIVERY_ZH = "我的快递一直没有送到，物流信息十天没更新了，订单号20261103558712"
DELIVERY_RU = "Посылка так и не пришла, курьер пишет что доставил. Заказ 20261103558712"
INJURY = (
    "The heater you sold me caught fire and burned my son's hand, we spent the night in "
    "hospital. I am reporting this to the regulator and the press."
)


async def test_a_friday_evening_complaint_is_due_in_mondays_working_hours(desk: Desk) -> None:
    result = await desk.complain(DELIVERY_EN, received_at="2026-11-20T19:00:00+08:00")
    ticket = await desk.live.ticket(result["ticket"]["number"])
    assert ticket["severity"] == "general"
    # 8 working hours: Monday 09:00-12:00 and 13:00-18:00.
    assert ticket["first_response_due"] == "2026-11-23T18:00:00+08:00"
    assert ticket["resolution_due"] == "2026-11-27T18:00:00+08:00"
    assert "8 working hours" in result["reply"]["text"]


async def test_a_major_complaint_on_saturday_night_is_due_within_hours_and_told_to_supervisors(
    desk: Desk,
) -> None:
    desk.clock.now = datetime.fromisoformat("2026-11-21T23:00:00+08:00")
    result = await desk.complain(INJURY)
    ticket = await desk.live.ticket(result["ticket"]["number"])
    assert ticket["severity"] == "major"
    assert ticket["first_response_due"] == "2026-11-22T01:00:00+08:00"
    assert "supervisors_notified" in [e["type"] for e in ticket["events"]]


async def test_a_back_dated_complaint_past_its_deadline_is_promised_a_time_counted_from_now(
    desk: Desk,
) -> None:
    # Entered on Monday 10:00 for a call taken the Wednesday before: the policy's 8 working
    # hours ended last Thursday; 8 working hours from now end on Tuesday 10:00.
    result = await desk.complain(DELIVERY_EN, received_at="2026-11-18T10:00:00+08:00")
    ticket = await desk.live.ticket(result["ticket"]["number"])
    assert ticket["first_response_due"] == "2026-11-24T10:00:00+08:00"
    assert ticket["created_at"].startswith("2026-11-18T10:00:00")
    recount = next(e for e in ticket["events"] if e["type"] == "deadline_recounted")
    policy_due = datetime.fromisoformat(recount["data"]["policy_first_response_due"])
    assert policy_due == datetime.fromisoformat("2026-11-19T10:00:00+08:00")
    assert "8 working hours" in result["reply"]["text"]


async def test_a_holiday_in_the_policy_moves_the_deadline_without_a_restart(desk: Desk) -> None:
    await desk.put_policy({"calendar": {"holidays": ["2026-11-23"]}})
    result = await desk.complain(DELIVERY_EN, received_at="2026-11-20T19:00:00+08:00")
    ticket = await desk.live.ticket(result["ticket"]["number"])
    assert ticket["first_response_due"] == "2026-11-24T18:00:00+08:00"


async def test_routing_picks_an_online_agent_who_speaks_the_customers_language(
    desk: Desk,
) -> None:
    await desk.add_agents("li", "anna", "ivan")
    await desk.put_policy(
        logistics_policy(
            {"name": "li", "languages": ["zh"]},
            {"name": "anna", "languages": ["en"]},
            {"name": "ivan", "languages": ["ru"]},
        )
    )
    await desk.presence("li", "online")
    await desk.presence("anna", "online")

    chinese = await desk.complain(DELIVERY_ZH)
    russian = await desk.complain(DELIVERY_RU)

    assert (await desk.live.ticket(chinese["ticket"]["number"]))["assignee"] == "li"
    queued = await desk.live.ticket(russian["ticket"]["number"])
    assert queued["assignee"] is None and queued["status"] == "new"  # ivan is offline
    assert (await desk.presence("ivan", "online"))["assigned"] == 1
    assigned = await desk.live.ticket(russian["ticket"]["number"])
    assert assigned["assignee"] == "ivan" and assigned["status"] == "assigned"


async def test_an_agent_at_capacity_gets_no_more_and_the_queue_hands_out_as_they_free_up(
    desk: Desk,
) -> None:
    await desk.add_agents("anna", "bob")
    await desk.put_policy(
        logistics_policy(
            {"name": "anna", "languages": ["en"], "capacity": 1},
            {"name": "bob", "languages": ["en"], "capacity": 1},
        )
    )
    await desk.presence("anna", "online")
    await desk.presence("bob", "online")

    numbers = [(await desk.complain(DELIVERY_EN))["ticket"]["number"] for _ in range(3)]
    assignees = [(await desk.live.ticket(n))["assignee"] for n in numbers]
    assert sorted(a for a in assignees if a) == ["anna", "bob"]
    assert assignees[2] is None  # both at capacity: it waits in the queue

    first_of_anna = numbers[assignees.index("anna")]
    status, _ = await desk.status(first_of_anna, "resolved")
    assert status == 200
    assert (await desk.monitor()).assigned == 1
    assert (await desk.live.ticket(numbers[2]))["assignee"] == "anna"


async def test_a_ticket_nobody_answered_in_time_goes_to_another_agent(desk: Desk) -> None:
    await desk.add_agents("anna", "bob")
    await desk.put_policy(
        {
            **logistics_policy({"name": "anna", "languages": ["en"]}),
            "escalation": {"reassign_after_minutes": 30},
        }
    )
    await desk.presence("anna", "online")
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    assert (await desk.live.ticket(number))["assignee"] == "anna"

    await desk.put_policy(
        {
            **logistics_policy(
                {"name": "anna", "languages": ["en"]}, {"name": "bob", "languages": ["en"]}
            ),
            "escalation": {"reassign_after_minutes": 30},
        }
    )
    await desk.presence("bob", "online")
    desk.clock.advance(minutes=20)
    assert (await desk.monitor()).reassigned == 0
    desk.clock.advance(minutes=11)
    assert (await desk.monitor()).reassigned == 1

    ticket = await desk.live.ticket(number)
    assert ticket["assignee"] == "bob"
    moves = [e["data"] for e in ticket["events"] if e["type"] == "assigned"]
    assert moves[-1] == {
        "from": "anna",
        "to": "bob",
        "reason": "no answer in time",
        "status": "assigned",
    }


async def test_deadlines_escalate_once_at_risk_and_once_breached(desk: Desk) -> None:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en"]}))
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]  # Monday 10:00
    ticket = await desk.live.ticket(number)
    assert ticket["first_response_due"] == "2026-11-24T10:00:00+08:00"

    desk.clock.advance(hours=23, minutes=40)  # Tuesday 09:40: 7h40 of 8 working hours
    assert (await desk.monitor()).escalated == 1
    assert (await desk.monitor()).escalated == 0
    desk.clock.advance(minutes=30)  # Tuesday 10:10: past the deadline
    assert (await desk.monitor()).escalated == 1
    assert (await desk.monitor()).escalated == 0

    ticket = await desk.live.ticket(number)
    assert ticket["escalation"] == "breached"
    types = [e["type"] for e in ticket["events"]]
    assert types.count("sla_at_risk") == 1 and types.count("sla_breached") == 1
    async with desk.live.http.get(
        f"{desk.url}/api/v1/tickets?escalation=breached", headers=desk.live.auth("supervisor")
    ) as resp:
        assert [t["number"] for t in (await resp.json())["tickets"]] == [number]


async def test_the_queue_and_several_statuses_can_be_listed_at_once(desk: Desk) -> None:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en"]}))

    async def listed(query: str) -> list[str]:
        async with desk.live.http.get(
            f"{desk.url}/api/v1/tickets?{query}", headers=desk.live.auth()
        ) as resp:
            return [t["number"] for t in (await resp.json())["tickets"]]

    queued = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    assert await listed("assignee=none") == [queued]
    await desk.presence("anna", "online")
    mine = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    async with desk.live.http.get(
        f"{desk.url}/api/v1/agents/me", headers=desk.as_agent("anna")
    ) as resp:
        assert await resp.json() == {"name": "anna", "role": "agent", "presence": "online"}
    await desk.status(mine, "waiting_customer")
    assert await listed("assignee=anna") == [mine, queued]  # the queue drained on presence
    assert await listed("status=waiting_customer,assigned") == [mine, queued]
    assert await listed("status=new") == []
