"""Applies the Alembic migrations; safe when several processes start at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from gateway.db.engine import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 7_242_611  # any constant shared by every gateway process


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Transaction-scoped lock: a second process waits, then finds nothing to do.
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
    command.upgrade(alembic_config(conn), "head")


async def upgrade(database: Database) -> None:
    """Brings the schema to the newest revision."""
    await database.write(_upgrade)
