"""A gateway with a clock the test moves, named agents, and a policy set through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.settings import load_settings
from gateway.store.staff import add_staff
from handoff.jobs.monitor import MonitorPass
from handoff.keys import MONITOR
from tests.conftest import LiveGateway, running_gateway

#: A Monday morning in Shanghai, 10:00 local.
START = datetime.fromisoformat("2026-11-23T10:00:00+08:00")


class MovableClock:
    """The gateway's clock, moved by the test: deadlines and schedules without waiting."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    """The gateway under test, seen from the staff side."""

    live: LiveGateway
    clock: MovableClock
    agent_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.live.url

    def as_agent(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agent_tokens[name]}"}

    async def add_agents(self, *names: str) -> None:
        for name in names:
            self.agent_tokens[name] = await self.live.database.write(
                add_staff, name, "agent", self.clock()
            )

    async def put_policy(self, document: dict[str, Any]) -> None:
        async with self.live.http.put(
            f"{self.url}/api/v1/admin/policy", json=document, headers=self.live.auth("admin")
        ) as resp:
            assert resp.status == 200, await resp.text()

    async def presence(self, name: str, status: str) -> dict[str, Any]:
        async with self.live.http.put(
            f"{self.url}/api/v1/agents/me/presence",
            json={"status": status},
            headers=self.as_agent(name),
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def status(self, number: str, status: str, who: str = "supervisor") -> Any:
        async with self.live.http.post(
            f"{self.url}/api/v1/tickets/{number}/status",
            json={"status": status},
            headers=self.live.auth(who),
        ) as resp:
            return resp.status, await resp.json()

    async def reply(self, number: str, text: str, agent: str) -> dict[str, Any]:
        async with self.live.http.post(
            f"{self.url}/api/v1/tickets/{number}/replies",
            json={"text": text},
            headers=self.as_agent(agent),
        ) as resp:
            assert resp.status == 201, await resp.text()
            return await resp.json()

    async def monitor(self) -> MonitorPass:
        return await self.live.app[MONITOR].run_once()

    async def complain(self, text: str, **extra: Any) -> dict[str, Any]:
        extra.setdefault("received_at", self.clock().isoformat())
        return await self.live.complain(text, **extra)


async def open_desk(data_dir: Path, database_url: str | None) -> AsyncIterator[Desk]:
    clock = MovableClock(START)
    settings = load_settings(
        data_dir=data_dir, database_url=database_url, monitor_interval_seconds=3600
    )
    async with running_gateway(settings, clock) as live:
        yield Desk(live, clock)


@pytest_asyncio.fixture
async def desk(data_dir: Path, database_url: str) -> AsyncIterator[Desk]:
    async for opened in open_desk(data_dir, database_url):
        yield opened


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database (SQLite and PostgreSQL) for tests below the HTTP API."""
    database = Database(database_url)
    await upgrade(database)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def sqlite_desk(data_dir: Path) -> AsyncIterator[Desk]:
    async for opened in open_desk(data_dir, None):
        yield opened


def logistics_policy(*agents: dict[str, Any]) -> dict[str, Any]:
    """The default policy with the given agents in logistics, and a supervisor with mail."""
    return {
        "agents": [{"department": "logistics", "capacity": 2, **a} for a in agents],
        "supervisors": {"test-supervisor": {}},
    }
