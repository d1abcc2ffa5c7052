"""leases with fencing: one Telegram long-poll reader at a time

Revision ID: i12_leases
Revises: i15_console_sign_in
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "i12_leases"
down_revision = "i15_console_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("fence", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
