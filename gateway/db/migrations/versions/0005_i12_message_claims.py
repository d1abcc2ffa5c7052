"""pipeline claims: a worker process claims stored messages for a while

Revision ID: i12_message_claims
Revises: i11_events
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "i12_message_claims"
down_revision = "i11_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("claimed_until")
