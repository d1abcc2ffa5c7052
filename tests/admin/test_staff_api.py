"""The admin API for staff: list, add, change role, disable, new token; and the audit log."""

from __future__ import annotations

from typing import Any

from gateway.store.staff import update_staff
from tests.handoff.conftest import Desk

DELIVERY_EN = "My parcel never arrived, the courier says it was delivered. Order 20261103558712"
DELIVERY_ZH = "我的快递一直没有送到，物流信息十天没更新了，订单号20261103558712"


async def call(desk: Desk, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
    async with desk.live.http.request(
        method, f"{desk.url}{path}", json=body, headers=desk.live.auth(role)
    ) as resp:
        return resp.status, await resp.json()


async def test_a_new_agent_takes_tickets_of_every_department_until_the_policy_narrows_it(
    desk: Desk,
) -> None:
    status, made = await call(desk, "POST", "/api/v1/admin/staff", {"name": "zoe", "role": "agent"})
    assert status == 201 and made["token"].startswith("cgw_")
    desk.agent_tokens["zoe"] = made["token"]
    await desk.presence("zoe", "online")

    english = await desk.complain(DELIVERY_EN)
    chinese = await desk.complain(DELIVERY_ZH)
    assert (await desk.live.ticket(english["ticket"]["number"]))["assignee"] == "zoe"
    assert (await desk.live.ticket(chinese["ticket"]["number"]))["assignee"] == "zoe"

    # Listed in finance only: a delivery complaint now waits in the logistics queue.
    await desk.put_policy({"agents": [{"name": "zoe", "department": "finance"}]})
    narrowed = await desk.complain(DELIVERY_EN)
    assert (await desk.live.ticket(narrowed["ticket"]["number"]))["assignee"] is None


async def test_a_disabled_agent_gets_no_tickets_and_its_token_stops(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    _, made = await call(desk, "POST", "/api/v1/admin/staff", {"name": "yan", "role": "agent"})
    desk.agent_tokens["yan"] = made["token"]
    await desk.presence("yan", "online")

    status, account = await call(desk, "PATCH", "/api/v1/admin/staff/yan", {"disabled": True})
    assert status == 200 and account["disabled"] is True
    async with desk.live.http.get(
        f"{desk.url}/api/v1/agents/me", headers=desk.as_agent("yan")
    ) as r:
        assert r.status == 401
    result = await desk.complain(DELIVERY_EN)
    assert (await desk.live.ticket(result["ticket"]["number"]))["assignee"] is None


async def test_a_new_token_replaces_the_old_one(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    _, made = await call(desk, "POST", "/api/v1/admin/staff", {"name": "ken", "role": "agent"})
    status, renewed = await call(desk, "POST", "/api/v1/admin/staff/ken/token")
    assert status == 200 and renewed["token"] != made["token"]
    for token, expected in ((made["token"], 401), (renewed["token"], 200)):
        headers = {"Authorization": f"Bearer {token}"}
        async with desk.live.http.get(f"{desk.url}/api/v1/agents/me", headers=headers) as r:
            assert r.status == expected


async def test_staff_list_role_change_and_refusals(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    await call(desk, "POST", "/api/v1/admin/staff", {"name": "lee", "role": "agent"})
    status, account = await call(desk, "PATCH", "/api/v1/admin/staff/lee", {"role": "supervisor"})
    assert status == 200 and account["role"] == "supervisor"
    status, listed = await call(desk, "GET", "/api/v1/admin/staff")
    assert status == 200
    assert {"name": "lee", "role": "supervisor", "disabled": False}.items() <= next(
        s for s in listed["staff"] if s["name"] == "lee"
    ).items()

    taken = await call(desk, "POST", "/api/v1/admin/staff", {"name": "lee", "role": "agent"})
    assert taken[0] == 409 and taken[1]["error"]["code"] == "conflict"
    bad_role = await call(desk, "POST", "/api/v1/admin/staff", {"name": "x", "role": "boss"})
    assert bad_role[0] == 422
    missing = await call(desk, "PATCH", "/api/v1/admin/staff/nobody", {"disabled": True})
    assert missing[0] == 404
    assert (await call(desk, "POST", "/api/v1/admin/staff/nobody/token"))[0] == 404
    assert (await call(desk, "GET", "/api/v1/admin/staff", role="supervisor"))[0] == 403
    myself = await call(desk, "PATCH", "/api/v1/admin/staff/test-admin", {"disabled": True})
    assert myself[0] == 409


async def test_every_admin_change_is_in_the_audit_log(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    await call(desk, "POST", "/api/v1/admin/staff", {"name": "mia", "role": "agent"})
    await call(desk, "PATCH", "/api/v1/admin/staff/mia", {"role": "supervisor"})
    await desk.put_policy({"calendar": {"holidays": ["2026-12-25"]}})

    status, log = await call(desk, "GET", "/api/v1/admin/audit")
    assert status == 200
    newest = log["entries"][:3]
    assert [(e["actor"], e["action"]) for e in newest] == [
        ("test-admin", "policy.put"),
        ("test-admin", "staff.update"),
        ("test-admin", "staff.add"),
    ]
    assert newest[0]["after"] == {"calendar": {"holidays": ["2026-12-25"]}}
    assert newest[1]["before"]["role"] == "agent" and newest[1]["after"]["role"] == "supervisor"
    _, only_staff = await call(desk, "GET", "/api/v1/admin/audit?action=staff.&subject=mia")
    assert [e["action"] for e in only_staff["entries"]] == ["staff.update", "staff.add"]


async def test_an_agent_disabled_from_the_cli_gets_no_tickets_though_the_policy_lists_them(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    await desk.add_agents("una")
    await desk.put_policy({"agents": [{"name": "una", "department": "logistics"}]})
    await desk.presence("una", "online")
    # As `users disable una` does it: the account only, presence left as it was.
    await desk.live.database.write(
        lambda conn: update_staff(conn, "una", desk.clock(), "cli", disabled=True)
    )
    result = await desk.complain(DELIVERY_EN)
    assert (await desk.live.ticket(result["ticket"]["number"]))["assignee"] is None
