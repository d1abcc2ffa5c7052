"""Handing a conversation to a person, staff replies, and the ticket lifecycle."""

from __future__ import annotations

from typing import Any

from tests.handoff.conftest import Desk, logistics_policy

DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"


async def _agent_desk(desk: Desk) -> None:
    await desk.add_agents("anna")
    await desk.put_policy(logistics_policy({"name": "anna", "languages": ["en"]}))
    await desk.presence("anna", "online")


async def _say(desk: Desk, text: str, conversation: str = "conv-1") -> dict[str, Any]:
    return await desk.complain(text, conversation_id=conversation)


async def test_asking_for_a_person_hands_the_conversation_over_and_the_bot_falls_silent(
    desk: Desk,
) -> None:
    await _agent_desk(desk)
    opened = await _say(desk, DELIVERY_EN)
    number = opened["ticket"]["number"]

    asked = await _say(desk, "I want to talk to a real person, not a bot")
    assert asked["reply"] is not None  # the customer is told a person is coming
    ticket = await desk.live.ticket(number)
    assert ticket["handled_by"] == "agent" and ticket["assignee"] == "anna"

    silent = await _say(desk, "Hello? Is anyone there? My parcel is still missing")
    assert silent["reply"] is None
    assert silent["ticket"]["number"] == number
    ticket = await desk.live.ticket(number)
    inbound = [m for m in ticket["messages"] if m["direction"] == "in"]
    assert inbound[-1]["text"].startswith("Hello?")


async def test_a_request_for_a_person_without_a_complaint_still_gets_a_ticket_and_an_agent(
    desk: Desk,
) -> None:
    await desk.add_agents("carl")
    await desk.put_policy(
        {"agents": [{"name": "carl", "department": "customer_service", "languages": ["en"]}]}
    )
    await desk.presence("carl", "online")
    asked = await _say(desk, "Can I speak to a human operator please?")
    assert asked["ticket"] is not None
    ticket = await desk.live.ticket(asked["ticket"]["number"])
    assert ticket["handled_by"] == "agent" and ticket["assignee"] == "carl"


async def test_a_staff_reply_goes_out_on_the_customers_channel_and_counts_as_first_response(
    desk: Desk,
) -> None:
    await _agent_desk(desk)
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    desk.clock.advance(minutes=15)

    sent = await desk.reply(number, "We have asked the courier; you will hear today.", "anna")
    assert sent["direction"] == "out" and sent["channel"] == "api" and sent["author"] == "anna"

    ticket = await desk.live.ticket(number)
    assert ticket["status"] == "in_progress"
    assert ticket["first_responded_at"] == "2026-11-23T10:15:00+08:00"
    outbound = [m for m in ticket["messages"] if m["direction"] == "out"]
    assert [m["kind"] for m in outbound] == ["acknowledgement", "agent_reply"]
    first = next(e for e in ticket["events"] if e["type"] == "first_response")
    assert first["actor"] == "anna" and first["data"] == {"within_deadline": True}


async def test_a_repeated_reply_with_the_same_idempotency_key_is_sent_once(desk: Desk) -> None:
    await _agent_desk(desk)
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    ids = []
    for _ in range(2):
        async with desk.live.http.post(
            f"{desk.url}/api/v1/tickets/{number}/replies",
            json={"text": "On it."},
            headers={**desk.as_agent("anna"), "Idempotency-Key": "reply-1"},
        ) as resp:
            assert resp.status == 201
            ids.append((await resp.json())["id"])
    assert ids[0] == ids[1]
    ticket = await desk.live.ticket(number)
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "out"].count(
        "agent_reply"
    ) == 1


async def test_the_agent_hands_the_conversation_back_to_the_bot(desk: Desk) -> None:
    await _agent_desk(desk)
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    await _say(desk, "I want to talk to a real person")
    async with desk.live.http.post(
        f"{desk.url}/api/v1/tickets/{number}/handler",
        json={"handled_by": "bot"},
        headers=desk.as_agent("anna"),
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["handled_by"] == "bot"
    answered = await _say(desk, "Thank you very much!")
    assert answered["reply"] is not None


async def test_an_illegal_transition_is_409_and_an_unknown_status_422(desk: Desk) -> None:
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    assert (await desk.status(number, "resolved"))[0] == 200
    status, body = await desk.status(number, "new")
    assert status == 409 and body["error"]["code"] == "illegal_transition"
    status, body = await desk.status(number, "on_fire")
    assert status == 422
    status, _ = await desk.status("TS-202611-999999", "closed")
    assert status == 404
    ticket = await desk.live.ticket(number)
    assert ticket["status"] == "resolved"


async def test_the_lifecycle_route_needs_a_staff_token(desk: Desk) -> None:
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    async with desk.live.http.post(
        f"{desk.url}/api/v1/tickets/{number}/status", json={"status": "closed"}
    ) as resp:
        assert resp.status == 401


async def test_waiting_for_the_customer_pauses_the_resolution_clock(desk: Desk) -> None:
    number = (await _say(desk, DELIVERY_EN))["ticket"]["number"]
    before = (await desk.live.ticket(number))["resolution_due"]
    assert (await desk.status(number, "waiting_customer"))[0] == 200
    desk.clock.advance(hours=1)  # Monday 10:00 -> 11:00, one working hour
    await _say(desk, "Here is the photo of the empty mailbox you asked for.")

    ticket = await desk.live.ticket(number)
    assert ticket["status"] == "in_progress"
    assert before == "2026-11-30T10:00:00+08:00"
    assert ticket["resolution_due"] == "2026-11-30T11:00:00+08:00"


async def test_the_same_customer_on_another_channel_is_recognised_by_a_verified_address(
    desk: Desk,
) -> None:
    staff = desk.live.auth("agent")
    first = await _entered(desk, staff, "phone-1", "lena@example.com")
    second = await _entered(desk, staff, "walk-in-7", "Lena@Example.com")
    stranger = await _entered(desk, {}, "web-9", "lena@example.com")

    ticket = await desk.live.ticket(second)
    assert [t["number"] for t in ticket["customer"]["earlier_tickets"]] == [first]
    assert (await desk.live.ticket(stranger))["customer"]["earlier_tickets"] == []


async def _entered(desk: Desk, headers: dict[str, str], sender: str, email: str) -> str:
    body = {
        "channel": "api",
        "external_id": f"ext-{sender}",
        "sender": {"id": sender, "email": email},
        "text": DELIVERY_EN,
    }
    async with desk.live.http.post(
        f"{desk.url}/api/v1/messages?wait=10", json=body, headers=headers
    ) as resp:
        assert resp.status == 200
        return str((await resp.json())["ticket"]["number"])
