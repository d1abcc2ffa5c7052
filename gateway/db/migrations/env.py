"""Alembic environment: runs on the connection `gateway.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from gateway.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `complaint-gateway db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
