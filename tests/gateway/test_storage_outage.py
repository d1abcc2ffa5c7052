"""When the database goes away the gateway says so (503) and keeps running."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from gateway.settings import load_settings
from tests.conftest import PG_ADMIN_DSN, fresh_postgres_database, running_gateway


async def test_a_lost_database_gives_503_not_a_crash(data_dir: Path) -> None:
    async with fresh_postgres_database() as url:
        settings = load_settings(data_dir=data_dir, database_url=url)
        async with running_gateway(settings) as live:
            await live.complain("The toaster burned my bread to charcoal")
            admin = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            finally:
                await admin.close()
            body = {
                "channel": "api",
                "external_id": "lost-1",
                "sender": {"id": "c"},
                "text": "My parcel is lost",
            }
            async with live.http.post(f"{live.url}/api/v1/messages", json=body) as resp:
                assert resp.status == 503
                assert (await resp.json())["error"]["code"] == "unavailable"
                assert resp.headers["Retry-After"] == "5"
            async with live.http.get(f"{live.url}/healthz") as resp:
                assert resp.status == 503
