"""A customer's data rights: export holds what they gave us; after erasure no API answer,
log line or stored row holds their name, contact or words, and the figures are unchanged."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.cli import main
from gateway.wiring import METADATA
from handoff.data_rights import erase_expired
from tests.conftest import LiveGateway

NAME, EMAIL, PHONE = "Erin Kowalczyk", "erin.kowalczyk@example.org", "+48601555017"
WORDS = "My Dyson vacuum from order 20261103558712 stopped working after two days"
# A fixed period, so the figures before and after erasure cover the same moments.
STATS = (
    f"/api/v1/stats?from={date.today() - timedelta(days=30)}&to={date.today() + timedelta(days=2)}"
)
SECRETS = ("Kowalczyk", "erin.kowalczyk", "601555017", "Dyson")


async def _get(live: LiveGateway, path: str, role: str = "admin") -> Any:
    async with live.http.get(f"{live.url}{path}", headers=live.auth(role)) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def _everything_stored(live: LiveGateway) -> str:
    def dump(conn: Any) -> str:
        rows = []
        for table in METADATA.sorted_tables:
            rows.extend(repr(tuple(r)) for r in conn.execute(sa.select(table)))
        return "\n".join(rows)

    return str(await live.database.read(dump))


async def test_export_then_erase_leaves_no_trace_and_the_same_figures(
    sqlite_gateway: LiveGateway,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = sqlite_gateway
    caplog.set_level(logging.DEBUG)
    sender = {"id": "erin-1", "name": NAME, "email": EMAIL, "phone": PHONE}
    result = await live.complain(WORDS, sender=sender)
    await live.complain(WORDS + ", still nothing", sender=sender)
    number = result["ticket"]["number"]
    customer_id = (await live.ticket(number))["customer"]["id"]
    stats_before = await _get(live, STATS, "supervisor")

    exported = await _get(live, f"/api/v1/admin/customers/{customer_id}/export")
    text = json.dumps(exported, ensure_ascii=False)
    assert NAME in text and EMAIL in text and WORDS in text
    assert exported["tickets"][0]["number"] == number

    async with live.http.post(
        f"{live.url}/api/v1/admin/customers/{customer_id}/erase", headers=live.auth("agent")
    ) as resp:
        assert resp.status == 403
    async with live.http.post(
        f"{live.url}/api/v1/admin/customers/{customer_id}/erase", headers=live.auth("admin")
    ) as resp:
        assert resp.status == 200, await resp.text()

    ticket = await live.ticket(number)
    answers = [
        ticket,
        await _get(live, "/api/v1/messages?limit=500"),
        await _get(live, "/api/v1/tickets"),
        await _get(live, f"/api/v1/admin/customers/{customer_id}/export"),
    ]
    logged = caplog.text  # before the CLI configures logging its own way
    capsys.readouterr()
    assert await _cli(monkeypatch, ["customers", "export", str(customer_id)], live) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["customer"]["id"] == customer_id
    stored = await _everything_stored(live)
    for secret in SECRETS:
        for answer in answers:
            assert secret not in json.dumps(answer, ensure_ascii=False)
        assert secret not in stored
        assert secret not in logged.split("erase")[-1]
        assert secret not in printed
    assert ticket["number"] == number and ticket["category"] == result["ticket"]["category"]
    assert any(
        e["type"] == "customer_erased" and e["actor"] == "test-admin" for e in ticket["events"]
    )
    assert await _get(live, STATS, "supervisor") == stats_before


async def _cli(monkeypatch: pytest.MonkeyPatch, argv: list[str], live: LiveGateway) -> int:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(live.settings.data_dir))
    try:
        await asyncio.to_thread(main, argv)  # the CLI runs its own event loop
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


async def test_an_unknown_customer_is_404(sqlite_gateway: LiveGateway) -> None:
    async with sqlite_gateway.http.post(
        f"{sqlite_gateway.url}/api/v1/admin/customers/999999/erase",
        headers=sqlite_gateway.auth("admin"),
    ) as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_retention_erases_customers_whose_tickets_all_closed_long_ago(
    sqlite_gateway: LiveGateway,
) -> None:
    live = sqlite_gateway
    closed = await live.complain(WORDS, sender={"id": "gone-1", "name": NAME, "email": EMAIL})
    still_open = await live.complain(
        "The courier threw my parcel over the fence", sender={"id": "here-1", "name": "Ada Byron"}
    )
    number = closed["ticket"]["number"]
    async with live.http.post(
        f"{live.url}/api/v1/tickets/{number}/status",
        json={"status": "closed"},
        headers=live.auth("admin"),
    ) as resp:
        assert resp.status == 200, await resp.text()
    now = datetime.now(UTC)
    # Nothing closed longer ago than the period yet: nobody is erased.
    assert (await live.database.write(erase_expired, now - timedelta(days=1), now))[0] == 0
    erased, _ = await live.database.write(erase_expired, now + timedelta(days=1), now)
    assert erased == 1
    assert (await live.ticket(number))["customer"]["name"] is None
    kept = await live.ticket(still_open["ticket"]["number"])
    assert kept["customer"]["name"] == "Ada Byron"
    # Erased once: the next pass finds nothing more to do.
    assert (await live.database.write(erase_expired, now + timedelta(days=1), now))[0] == 0
