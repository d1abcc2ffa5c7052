"""Applies the Alembic migrations; safe when several processes start at once.

Alembic (with Mako and Pygments) is imported only when the database is behind: a process
starting on a current database, every one but the first of a scale-out, keeps some 10 MB
of modules it would never use again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import exc, text
from sqlalchemy.engine import Connection

from gateway.db.current import head_revisions
from gateway.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 7_242_611  # any constant shared by every gateway process


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(conn: Connection) -> None:
    from alembic import command

    if conn.dialect.name == "postgresql":
        # Transaction-scoped lock: a second process waits, then finds nothing to do.
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
    command.upgrade(alembic_config(conn), "head")


async def upgrade(database: Database) -> None:
    """Brings the schema to the newest revision."""
    if await database.read(_is_current):
        return
    await database.write(_upgrade)


def _is_current(conn: Connection) -> bool:
    """Stamped with exactly the newest revisions; any doubt (no table yet) is False."""
    try:
        stamped = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except exc.DBAPIError:
        return False
    return bool(stamped) and stamped == head_revisions()
