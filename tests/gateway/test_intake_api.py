"""The generic intake route, the ticket routes and the audit list, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime

import pytest

from gateway.web.keys import NLU
from tests.conftest import LiveGateway

NUMBER = re.compile(r"^TS-\d{6}-\d{6}$")


async def test_health_says_ok(gateway: LiveGateway) -> None:
    async with gateway.http.get(f"{gateway.url}/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}


async def test_ready_names_the_model_in_use(gateway: LiveGateway) -> None:
    async with gateway.http.get(f"{gateway.url}/readyz") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ready"
    assert body["nlu_model"] == gateway.app[NLU].store.latest()


async def test_post_without_wait_answers_202_with_the_message_id(gateway: LiveGateway) -> None:
    body = {
        "channel": "api",
        "external_id": "ext-202",
        "sender": {"id": "c1"},
        "text": "My parcel never arrived and it has been two weeks",
    }
    async with gateway.http.post(f"{gateway.url}/api/v1/messages", json=body) as resp:
        assert resp.status == 202
        data = await resp.json()
    assert isinstance(data["id"], int)


async def test_a_complaint_gets_a_ticket_and_an_acknowledgement_with_its_number(
    gateway: LiveGateway,
) -> None:
    result = await gateway.complain(
        "My parcel never arrived, the courier says it was delivered but nobody came. "
        "Order 20261103558712"
    )
    ticket = result["ticket"]
    assert NUMBER.match(ticket["number"])
    assert ticket["category"] == "delivery"
    assert ticket["urgency"] in {"low", "normal", "high", "critical"}
    assert ticket["department"] == "logistics"
    assert ticket["status"] == "new"
    reply = result["reply"]["text"]
    assert ticket["number"] in reply
    assert "hour" in reply  # the promised response time


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Заказ до сих пор не доставили, курьер не отвечает, прошло уже 10 дней", "Мы получили"),
        ("我买的快递一直没有送到，已经等了两个星期了，物流信息也不更新", "我们已收到"),
        ("我買的包裹一直沒有送到，已經等了兩個星期了，物流資訊也不更新", "我們已收到"),
    ],
    ids=["ru", "zh-Hans", "zh-Hant"],
)
async def test_the_acknowledgement_is_in_the_customers_language_and_script(
    sqlite_gateway: LiveGateway, text: str, marker: str
) -> None:
    result = await sqlite_gateway.complain(text)
    assert result["ticket"] is not None
    assert marker in result["reply"]["text"]
    assert result["ticket"]["number"] in result["reply"]["text"]


async def test_the_same_external_id_twice_is_one_message_and_one_ticket(
    gateway: LiveGateway,
) -> None:
    first = await gateway.complain(
        "The blender I bought smells of burning plastic", external_id="dup-1"
    )
    second = await gateway.complain(
        "The blender I bought smells of burning plastic", external_id="dup-1"
    )
    assert first["id"] == second["id"]
    assert first["ticket"]["number"] == second["ticket"]["number"]
    async with gateway.http.get(
        f"{gateway.url}/api/v1/tickets?limit=50", headers=gateway.auth()
    ) as resp:
        tickets = (await resp.json())["tickets"]
    assert [t["number"] for t in tickets].count(first["ticket"]["number"]) == 1
    assert len(tickets) == 1


async def test_concurrent_complaints_get_distinct_consecutive_serials(gateway: LiveGateway) -> None:
    results = await asyncio.gather(
        *(
            gateway.complain(f"I was charged twice for order {1000 + i}, refund please")
            for i in range(12)
        )
    )
    numbers = sorted(r["ticket"]["number"] for r in results)
    assert len(set(numbers)) == 12
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == list(range(1, 13))


async def test_staff_read_the_ticket_with_its_messages_and_ledger(gateway: LiveGateway) -> None:
    result = await gateway.complain(
        "The sales rep promised free installation but the contract charges 500 yuan for it",
        sender={"id": "cust-42", "name": "Li Wei", "email": "li.wei@example.com"},
    )
    ticket = await gateway.ticket(result["ticket"]["number"])
    for field in (
        "number",
        "status",
        "category",
        "urgency",
        "severity",
        "language",
        "channel",
        "department",
        "assignee",
        "customer",
        "created_at",
        "first_response_due",
        "resolution_due",
        "messages",
        "events",
    ):
        assert field in ticket
    assert ticket["channel"] == "api"
    assert ticket["severity"] in {"general", "important", "major"}
    assert ticket["customer"]["email"] == "li.wei@example.com"
    assert re.search(r"[+-]\d\d:\d\d$", ticket["first_response_due"])
    directions = [m["direction"] for m in ticket["messages"]]
    assert directions == ["in", "out"]
    assert ticket["messages"][1]["text"] == result["reply"]["text"]
    assert [e["type"] for e in ticket["events"]][:2] == ["opened", "routed"]
    assert all({"type", "at", "actor", "data"} <= set(e) for e in ticket["events"])


async def test_ticket_routes_need_a_valid_token(gateway: LiveGateway) -> None:
    result = await gateway.complain("The phone screen cracked by itself after two days")
    url = f"{gateway.url}/api/v1/tickets/{result['ticket']['number']}"
    async with gateway.http.get(url) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "unauthorized"
    async with gateway.http.get(url, headers={"Authorization": "Bearer not-a-token"}) as resp:
        assert resp.status == 401
    async with gateway.http.get(
        f"{gateway.url}/api/v1/tickets/TS-209901-999999", headers=gateway.auth()
    ) as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "ticket_not_found"


async def test_admin_routes_refuse_agents_with_403(gateway: LiveGateway) -> None:
    url = f"{gateway.url}/api/v1/admin/nlu/reload"
    async with gateway.http.post(url, headers=gateway.auth("agent")) as resp:
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "forbidden"
    async with gateway.http.post(url, headers=gateway.auth("admin")) as resp:
        assert resp.status == 200
        assert "model_version" in await resp.json()


async def test_ticket_list_filters_by_category_and_status(gateway: LiveGateway) -> None:
    await gateway.complain("You charged my card twice for the same subscription, refund me")
    await gateway.complain("The courier threw my parcel over the fence and it broke")
    url = f"{gateway.url}/api/v1/tickets?category=billing&status=new&limit=10"
    async with gateway.http.get(url, headers=gateway.auth("supervisor")) as resp:
        data = await resp.json()
    assert [t["category"] for t in data["tickets"]] == ["billing"]


async def test_audit_list_pages_newest_first_with_ticket_numbers(gateway: LiveGateway) -> None:
    sent = [
        await gateway.complain(f"My order {5550 + i} arrived damaged, the box was crushed")
        for i in range(3)
    ]
    url = f"{gateway.url}/api/v1/messages?channel=api&limit=2"
    async with gateway.http.get(url, headers=gateway.auth()) as resp:
        first = await resp.json()
    assert [m["id"] for m in first["messages"]] == [sent[2]["id"], sent[1]["id"]]
    assert first["messages"][0]["ticket"] == sent[2]["ticket"]["number"]
    assert {"id", "channel", "external_id", "received_at", "ticket", "notes"} <= set(
        first["messages"][0]
    )
    async with gateway.http.get(f"{url}&before={first['next']}", headers=gateway.auth()) as resp:
        second = await resp.json()
    assert [m["id"] for m in second["messages"]] == [sent[0]["id"]]
    assert second["next"] is None


async def test_a_greeting_gets_a_reply_but_no_ticket(gateway: LiveGateway) -> None:
    result = await gateway.complain("Hello", external_id=uuid.uuid4().hex)
    assert result["ticket"] is None
    assert result["reply"]["text"]


async def test_metrics_count_intake_by_channel(gateway: LiveGateway) -> None:
    await gateway.complain("The fridge stopped cooling after a week")
    async with gateway.http.get(f"{gateway.url}/metrics") as resp:
        text = await resp.text()
    assert 'gateway_intake_messages_total{channel="api",outcome="stored"} 1.0' in text
    assert "gateway_pipeline_seconds_bucket" in text
    assert "gateway_outbox_backlog" in text


async def test_model_parse_answers_the_contract_shape(gateway: LiveGateway) -> None:
    async with gateway.http.post(
        f"{gateway.url}/model/parse", json={"text": "Мне дважды списали деньги за заказ"}
    ) as resp:
        data = await resp.json()
    assert data["language"] == "ru"
    assert {"text", "intent", "intent_ranking", "urgency", "entities"} <= set(data)
    assert data["intent"]["name"] in {r["name"] for r in data["intent_ranking"]}


async def test_answers_are_utf8_without_escapes(gateway: LiveGateway) -> None:
    body = {
        "channel": "api",
        "external_id": uuid.uuid4().hex,
        "sender": {"id": "c-utf8"},
        "text": "我买的快递一直没有送到，已经等了两个星期了",
    }
    async with gateway.http.post(f"{gateway.url}/api/v1/messages?wait=10", json=body) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        raw = (await resp.read()).decode("utf-8")
    assert "\\u" not in raw
    assert "我们已收到" in raw


async def test_only_staff_may_back_date_a_complaint(gateway: LiveGateway) -> None:
    body = {
        "channel": "api",
        "external_id": uuid.uuid4().hex,
        "sender": {"id": "c-backdate"},
        "text": "The washing machine leaks since the first day",
        "received_at": "2026-11-05T10:00:00+00:00",
    }
    async with gateway.http.post(f"{gateway.url}/api/v1/messages", json=body) as resp:
        assert resp.status == 401
        error = (await resp.json())["error"]
    assert error["code"] == "unauthorized"
    assert "received_at" in error["message"]
    async with gateway.http.post(
        f"{gateway.url}/api/v1/messages", json=body, headers=gateway.auth()
    ) as resp:
        assert resp.status == 202


async def test_a_status_question_without_a_ticket_shows_this_months_number_form(
    gateway: LiveGateway,
) -> None:
    result = await gateway.complain(
        "What is the status of my ticket?", sender={"id": "no-tickets-yet"}
    )
    assert result["ticket"] is None
    month = datetime.now(gateway.settings.zone).strftime("%Y%m")
    assert f"TS-{month}-000123" in result["reply"]["text"]
