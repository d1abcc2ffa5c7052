"""The policy, sales and figures routes, driven as an administrator and a supervisor would."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import load_settings
from tests.conftest import eventually, running_gateway
from tests.handoff.conftest import Desk

KETTLE = "The Kettle X200 I bought leaks from the bottom after two days. Order 20261103558712"


async def test_stats_give_counts_rates_and_incidence_for_the_period(desk: Desk) -> None:
    await desk.put_policy({"products": {"Kettle X200": ["X200"]}})
    async with desk.live.http.put(
        f"{desk.url}/api/v1/admin/sales",
        data="product,month,units\nKettle X200,2026-11,400\n",
        headers={**desk.live.auth("admin"), "Content-Type": "text/csv"},
    ) as resp:
        assert resp.status == 200 and (await resp.json()) == {"imported": 1}
    await desk.complain(KETTLE)
    async with desk.live.http.get(
        f"{desk.url}/api/v1/stats?from=2026-11-01&to=2026-12-01",
        headers=desk.live.auth("supervisor"),
    ) as resp:
        assert resp.status == 200
        figures = await resp.json()
    assert figures["tickets"] == 1
    assert figures["by_category"] == {"product_quality": 1}
    assert figures["by_channel"] == {"api": 1}
    assert figures["by_day"]["2026-11-23"] == 1
    assert figures["incidence"]["rate"] == 1 / 400
    assert figures["spike_warnings"] == []


async def test_stats_are_for_supervisors_and_check_their_period(desk: Desk) -> None:
    async with desk.live.http.get(f"{desk.url}/api/v1/stats", headers=desk.live.auth()) as resp:
        assert resp.status == 403
    async with desk.live.http.get(
        f"{desk.url}/api/v1/stats?from=yesterday", headers=desk.live.auth("supervisor")
    ) as resp:
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_query"


async def test_a_bad_policy_is_refused_naming_the_problem_and_the_old_one_stays(
    desk: Desk,
) -> None:
    await desk.put_policy({"sla": {"general": {"first_response_hours": 4, "resolution_hours": 20}}})
    async with desk.live.http.put(
        f"{desk.url}/api/v1/admin/policy",
        json={"agents": [{"name": "x", "department": "nowhere"}]},
        headers=desk.live.auth("admin"),
    ) as resp:
        assert resp.status == 422
        assert "nowhere" in (await resp.json())["error"]["message"]
    async with desk.live.http.get(
        f"{desk.url}/api/v1/admin/policy", headers=desk.live.auth("supervisor")
    ) as resp:
        current = await resp.json()
    assert current["policy"]["sla"]["general"]["first_response_hours"] == 4


async def test_only_an_admin_may_change_the_policy(desk: Desk) -> None:
    async with desk.live.http.put(
        f"{desk.url}/api/v1/admin/policy", json={}, headers=desk.live.auth("supervisor")
    ) as resp:
        assert resp.status == 403


async def test_the_policy_file_applies_at_start_and_when_it_changes(
    data_dir: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[sla.general]\nfirst_response_hours = 3\nresolution_hours = 30\n")
    settings = load_settings(data_dir=data_dir, policy_file=policy)
    async with running_gateway(settings) as live:

        async def general_hours() -> float:
            async with live.http.get(
                f"{live.url}/api/v1/admin/policy", headers=live.auth("admin")
            ) as resp:
                body = await resp.json()
            return float(body["policy"]["sla"]["general"]["first_response_hours"])

        assert await general_hours() == 3
        policy.write_text("[sla.general]\nfirst_response_hours = 5\nresolution_hours = 30\n")
        await eventually(lambda: _equals(general_hours, 5), timeout=15)


async def _equals(read: object, expected: float) -> bool:
    return bool(await read() == expected)  # type: ignore[operator]
