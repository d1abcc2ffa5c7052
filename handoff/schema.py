"""The complaint-handling policy's own tables (tickets, their ledger, surveys, figures),
on the gateway's one `MetaData` so one Alembic history migrates every package's tables."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.schema import metadata
from gateway.db.types import BigId, UTCDateTime

ticket_serials = sa.Table(
    "ticket_serials",
    metadata,
    sa.Column("prefix", sa.String(10), primary_key=True),
    sa.Column("period", sa.String(6), primary_key=True),  # YYYYMM in the business time zone
    sa.Column("last_serial", sa.Integer, nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("urgency", sa.String(10), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("department", sa.String(60), nullable=False),
    sa.Column("assignee", sa.String(100)),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("first_response_due", UTCDateTime, nullable=False),
    sa.Column("resolution_due", UTCDateTime, nullable=False),
    sa.Column("assigned_at", UTCDateTime),
    sa.Column("first_responded_at", UTCDateTime),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    # While the ticket waits for the customer its resolution clock is paused from here.
    sa.Column("waiting_since", UTCDateTime),
    sa.Column("escalation", sa.String(12)),  # at_risk or breached, once a supervisor knows
    sa.Column("product", sa.String(100)),
    sa.Column("order_prefix", sa.String(20)),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_tickets_created_at", "created_at"),
    sa.Index("ix_tickets_status", "status"),
    sa.Index("ix_tickets_assignee_status", "assignee", "status"),
    sa.Index("ix_tickets_department_status", "department", "status"),
    # Period statistics (handoff/policy/stats.py) count on these without reading table rows: the
    # deadlines and answer times of a created_at range, each breakdown column's tickets in a
    # range, and a product's complaints in a range.
    sa.Index(
        "ix_tickets_created_at_timing",
        "created_at",
        "first_responded_at",
        "first_response_due",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "waiting_since",
    ),
    sa.Index("ix_tickets_category_created_at", "category", "created_at"),
    sa.Index("ix_tickets_channel_created_at", "channel", "created_at"),
    sa.Index("ix_tickets_department_created_at", "department", "created_at"),
    sa.Index("ix_tickets_severity_created_at", "severity", "created_at"),
    sa.Index("ix_tickets_status_created_at", "status", "created_at"),
    sa.Index("ix_tickets_product_created_at", "product", "created_at"),
)

ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index("ix_ticket_events_ticket_id", "ticket_id"),
)

policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # file, api
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

agent_presence = sa.Table(
    "agent_presence",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # online, away, offline
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), nullable=False, unique=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # scheduled, sent, answered, expired
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("answered_at", UTCDateTime),
    sa.Column("score", sa.Integer),
    sa.Column("satisfied", sa.Boolean),
    sa.Column("answer_message_id", BigId),
    sa.Index("ix_surveys_status_due_at", "status", "due_at"),
    sa.Index("ix_surveys_conversation_id", "conversation_id"),
)

spike_warnings = sa.Table(
    "spike_warnings",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("dimension", sa.String(20), nullable=False),  # category, product, order_prefix
    sa.Column("value", sa.String(100), nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("subsided_at", UTCDateTime),
    sa.Column("observed", sa.Integer, nullable=False),
    sa.Column("expected", sa.Float, nullable=False),
    sa.Column("p_value", sa.Float, nullable=False),
    sa.Index("ix_spike_warnings_subsided_at", "subsided_at"),
)

sales = sa.Table(
    "sales",
    metadata,
    sa.Column("product", sa.String(100), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM
    sa.Column("units", sa.BigInteger, nullable=False),
)

#: What staff consoles are told (an assignment, a major complaint, an escalation, a
#: spike); each console tails this table, so every process's sockets see every event.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("audience", sa.String(120), nullable=False),  # supervisors, or agent:<name>
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("ticket_id", BigId),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

#: Background trainings started by administrators; any process answers for any job.
nlu_jobs = sa.Table(
    "nlu_jobs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(10), nullable=False),  # queued, running, done, failed
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("model", sa.String(100)),
    sa.Column("error", sa.Text),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Agents' corrections of a ticket's category or urgency, waiting for an administrator to
#: accept one as a training example (or reject it).
nlu_corrections = sa.Table(
    "nlu_corrections",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("field", sa.String(10), nullable=False),  # category, urgency
    sa.Column("from_value", sa.String(40), nullable=False),
    sa.Column("to_value", sa.String(40), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # pending, accepted, rejected
    sa.Column("reviewed_by", sa.String(100)),
    sa.Column("reviewed_at", UTCDateTime),
    sa.Index("ix_nlu_corrections_state", "state"),
)
