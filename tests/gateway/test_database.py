"""The database wrapper under cancellation: a shutdown cancels tasks mid-query."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.db.engine import Database, after_commit


def _slow_write(conn: Connection) -> None:
    after_commit(conn, "never delivered")
    conn.execute(sa.text("SELECT pg_sleep(30)"))


async def test_a_write_cancelled_mid_query_ends_with_cancelled_error(postgres_url: str) -> None:
    # Another error in its place (SQLAlchemy's PendingRollbackError, once) let the gateway's
    # loops, which survive any Exception, run on after cancellation: shutdowns hung.
    db = Database(postgres_url)
    delivered: list[object] = []

    async def on_commit(items: list[object]) -> None:
        delivered.extend(items)

    db.on_commit = on_commit
    try:
        task = asyncio.create_task(db.write(_slow_write))
        await asyncio.sleep(1.0)  # well inside pg_sleep
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert delivered == []
        # The pool is usable after the cancelled transaction.
        assert await db.read(lambda conn: conn.execute(sa.text("SELECT 1")).scalar()) == 1
    finally:
        await db.dispose()


async def test_a_cancelled_sqlite_write_ends_with_cancelled_error(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cancel.db'}")
    try:
        task = asyncio.create_task(
            db.write(lambda conn: conn.execute(sa.text("SELECT 1")).scalar())
        )
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await db.read(lambda conn: conn.execute(sa.text("SELECT 2")).scalar()) == 2
    finally:
        await db.dispose()
