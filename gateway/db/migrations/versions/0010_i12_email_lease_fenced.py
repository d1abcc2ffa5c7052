"""the mailbox reader's lease moves to `leases` (with a fence): email_leases goes

Revision ID: i12_email_lease_fenced
Revises: i17_message_attempts
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "i12_email_lease_fenced"
down_revision = "i17_message_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A lease lives a minute: a reader running the old code across the upgrade only loses
    # it, and takes the new one at its next renewal.
    op.drop_table("email_leases")


def downgrade() -> None:
    op.create_table(
        "email_leases",
        sa.Column("mailbox", sa.String(length=400), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_email_leases")),
    )
