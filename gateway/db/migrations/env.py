"""Alembic environment: runs on the connection `gateway.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

# The composition root knows every package that has tables (handoff, each channel).
from gateway.wiring import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `complaint-gateway db upgrade`")

context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
