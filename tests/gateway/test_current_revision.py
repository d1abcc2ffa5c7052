"""The standard-library check that lets `nlu` commands skip a migration with nothing to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory

from gateway.db.current import head_revisions, sqlite_is_current
from gateway.db.engine import Database
from gateway.db.migrate import alembic_config, upgrade


def test_head_revisions_agree_with_alembic() -> None:
    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_migrated_database_is_current_and_an_older_stamp_is_not(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    assert not sqlite_is_current(path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(database)
    finally:
        await database.dispose()
    assert sqlite_is_current(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert not sqlite_is_current(path)


def test_a_file_that_is_not_a_database_is_not_current(tmp_path: Path) -> None:
    junk = tmp_path / "gateway.db"
    junk.write_bytes(b"not sqlite")
    assert not sqlite_is_current(junk)
