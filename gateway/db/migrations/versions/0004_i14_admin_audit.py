"""admin audit log: who changed staff, policy or templates, when, before and after

Revision ID: i14_admin_audit
Revises: 0003
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "i14_admin_audit"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )


def downgrade() -> None:
    op.drop_table("admin_audit")
