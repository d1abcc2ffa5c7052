"""handoff policy: lifecycle, routing, surveys, stats, spikes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:03:34.711427
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agent_presence',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_agent_presence'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('audience', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_table('policy_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions'))
    )
    op.create_table('sales',
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('product', 'month', name=op.f('pk_sales'))
    )
    op.create_table('spike_warnings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('subsided_at', sa.DateTime(), nullable=True),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('p_value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spike_warnings'))
    )
    with op.batch_alter_table('spike_warnings', schema=None) as batch_op:
        batch_op.create_index('ix_spike_warnings_subsided_at', ['subsided_at'], unique=False)

    op.create_table('customer_contacts',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_contacts_customer_id_customers')),
    sa.PrimaryKeyConstraint('kind', 'value', name=op.f('pk_customer_contacts'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('answer_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_surveys_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_surveys_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_surveys_ticket_id'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_conversation_id', ['conversation_id'], unique=False)
        batch_op.create_index('ix_surveys_status_due_at', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_responded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('product', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('order_prefix', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_tickets_assignee_status', ['assignee', 'status'], unique=False)
        batch_op.create_index('ix_tickets_department_status', ['department', 'status'], unique=False)
        batch_op.create_index('ix_tickets_created_at_timing', ['created_at', 'first_responded_at', 'first_response_due', 'resolution_due', 'resolved_at', 'closed_at', 'waiting_since'], unique=False)
        batch_op.create_index('ix_tickets_category_created_at', ['category', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_channel_created_at', ['channel', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_department_created_at', ['department', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_severity_created_at', ['severity', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_product_created_at', ['product', 'created_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_product_created_at')
        batch_op.drop_index('ix_tickets_status_created_at')
        batch_op.drop_index('ix_tickets_severity_created_at')
        batch_op.drop_index('ix_tickets_department_created_at')
        batch_op.drop_index('ix_tickets_channel_created_at')
        batch_op.drop_index('ix_tickets_category_created_at')
        batch_op.drop_index('ix_tickets_created_at_timing')
        batch_op.drop_index('ix_tickets_department_status')
        batch_op.drop_index('ix_tickets_assignee_status')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('order_prefix')
        batch_op.drop_column('product')
        batch_op.drop_column('escalation')
        batch_op.drop_column('waiting_since')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('first_responded_at')
        batch_op.drop_column('assigned_at')

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_surveys_status_due_at')
        batch_op.drop_index('ix_surveys_conversation_id')

    op.drop_table('surveys')
    op.drop_table('customer_contacts')
    with op.batch_alter_table('spike_warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_spike_warnings_subsided_at')

    op.drop_table('spike_warnings')
    op.drop_table('sales')
    op.drop_table('policy_versions')
    op.drop_table('notifications')
    op.drop_table('agent_presence')

