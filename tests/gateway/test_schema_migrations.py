"""The tables the code declares are exactly the tables the migrations build."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from gateway import wiring
from gateway.db.engine import Database
from gateway.db.migrate import upgrade


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, wiring.METADATA))


async def test_the_migrations_build_the_declared_schema(database_url: str) -> None:
    # Handoff's and every channel's own tables join the gateway's MetaData in the root.
    assert {"tickets", "ticket_events", "surveys"} <= wiring.METADATA.tables.keys()
    assert all(
        table.metadata is wiring.METADATA for channel in wiring.CHANNELS for table in channel.schema
    )
    assert any(channel.schema for channel in wiring.CHANNELS)
    database = Database(database_url)
    try:
        await upgrade(database)
        assert await database.read(_differences) == []
    finally:
        await database.dispose()
