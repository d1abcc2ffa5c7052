"""Notifications since the last visit: what concerned a staff member while their console
was closed, in the business time zone."""

from __future__ import annotations

from typing import Any

from tests.handoff.conftest import Desk, logistics_policy

DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"


async def notifications(desk: Desk, name: str, after: int | None = None) -> dict[str, Any]:
    query = f"?after={after}" if after is not None else ""
    async with desk.live.http.get(
        f"{desk.url}/api/v1/notifications{query}", headers=desk.as_agent(name)
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_an_agent_gets_what_happened_for_her_since_her_last_visit(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    await desk.add_agents("anna", "boris")
    await desk.put_policy(
        logistics_policy({"name": "anna", "languages": ["en"]}, {"name": "boris"})
    )
    last_visit = (await notifications(desk, "anna"))["newest"]
    await desk.presence("anna", "online")  # then her console closes; work goes on
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]

    missed = await notifications(desk, "anna", after=last_visit)
    assigned = [f for f in missed["notifications"] if f["type"] == "ticket_assigned"]
    assert [f["data"]["number"] for f in assigned] == [number]
    assert assigned[0]["at"].endswith("+08:00")  # business time, like the rest of the console
    assert (await notifications(desk, "boris", after=last_visit))["notifications"] == []
    assert (await notifications(desk, "anna", after=missed["newest"]))["notifications"] == []
