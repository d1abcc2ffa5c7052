"""pipeline attempts per inbound message, so a poison message is parked, not retried forever

Revision ID: i17_message_attempts
Revises: i15_console_sign_in
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "i17_message_attempts"
down_revision = "i12_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("attempts")
