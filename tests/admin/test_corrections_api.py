"""An agent's correction of a ticket's category or urgency: in the ledger, in the review
queue, and (accepted) a training example."""

from __future__ import annotations

from tests.admin.test_staff_api import DELIVERY_EN, call
from tests.handoff.conftest import Desk


async def test_a_category_correction_is_in_the_ledger_and_the_review_queue(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    status, ticket = await call(
        desk, "PATCH", f"/api/v1/tickets/{number}", {"category": "billing"}, role="agent"
    )
    assert status == 200 and ticket["category"] == "billing"
    corrected = [e for e in (await desk.live.ticket(number))["events"] if e["type"] == "corrected"]
    assert corrected[0]["data"] == {"field": "category", "from": "delivery", "to": "billing"}

    status, queue = await call(desk, "GET", "/api/v1/admin/nlu/corrections")
    assert status == 200 and queue["per_intent"] == {"delivery": 1}
    entry = queue["corrections"][0]
    assert (entry["ticket"], entry["from"], entry["to"], entry["text"]) == (
        number,
        "delivery",
        "billing",
        DELIVERY_EN,
    )

    status, decided = await call(
        desk, "POST", f"/api/v1/admin/nlu/corrections/{entry['id']}", {"decision": "accept"}
    )
    assert status == 200 and decided["example"]["intent"] == "billing"
    _, billing = await call(desk, "GET", "/api/v1/admin/nlu/examples?intent=billing")
    assert DELIVERY_EN in [e["text"] for e in billing["examples"]]
    again = await call(
        desk, "POST", f"/api/v1/admin/nlu/corrections/{entry['id']}", {"decision": "reject"}
    )
    assert again[0] == 409
    assert (await call(desk, "GET", "/api/v1/admin/nlu/corrections"))[1]["corrections"] == []


async def test_a_rejected_urgency_correction_adds_no_example_and_bad_values_are_refused(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    number = (await desk.complain(DELIVERY_EN))["ticket"]["number"]
    path = f"/api/v1/tickets/{number}"
    assert (await call(desk, "PATCH", path, {"urgency": "urgent!"}, role="agent"))[0] == 422
    assert (await call(desk, "PATCH", path, {"category": "weather"}, role="agent"))[0] == 422
    assert (await call(desk, "PATCH", "/api/v1/tickets/NOPE-1", {"urgency": "high"}))[0] == 404
    status, _ = await call(desk, "PATCH", path, {"urgency": "critical"}, role="agent")
    assert status == 200
    _, queue = await call(desk, "GET", "/api/v1/admin/nlu/corrections")
    entry = queue["corrections"][0]
    assert (entry["field"], entry["to"]) == ("urgency", "critical")
    status, decided = await call(
        desk, "POST", f"/api/v1/admin/nlu/corrections/{entry['id']}", {"decision": "reject"}
    )
    assert status == 200 and decided["example"] is None
    _, rejected = await call(desk, "GET", "/api/v1/admin/nlu/corrections?state=rejected")
    assert [c["id"] for c in rejected["corrections"]] == [entry["id"]]
