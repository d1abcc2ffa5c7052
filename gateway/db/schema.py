"""The database schema, one `MetaData` for the whole gateway (Alembic migrates it)."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.types import BigId, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200)),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(40)),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

customer_identities = sa.Table(
    "customer_identities",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False),
    sa.UniqueConstraint("channel", "sender_id"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("conversation_key", sa.String(255), nullable=False),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("language", sa.String(16)),
    sa.Column("ticket_id", BigId),  # the open ticket new messages join, if any
    sa.Column("handled_by", sa.String(16), nullable=False, server_default="bot"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("channel", "conversation_key"),
)

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

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("conversation_key", sa.String(255), nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("sender_name", sa.String(200)),
    sa.Column("sender_email", sa.String(320)),
    sa.Column("sender_phone", sa.String(40)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("attachments", sa.JSON, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.Column("raw_ref", sa.String(500)),
    sa.Column("language_hint", sa.String(16)),
    sa.Column("metadata", sa.JSON, nullable=False),
    # stored -> done; the pipeline resumes every message not yet done, except those
    # parked after too many failed attempts (a person retries them).
    sa.Column("stage", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # A pipeline worker's claim on a stored message; expired, any worker may take it.
    sa.Column("claimed_until", UTCDateTime),
    sa.Column("language", sa.String(16)),
    sa.Column("intent", sa.String(40)),
    sa.Column("parse", sa.JSON),
    sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id")),
    sa.Column("notes", sa.JSON, nullable=False),
    sa.UniqueConstraint("channel", "external_id"),
    sa.Index("ix_messages_stage", "stage"),
    sa.Index("ix_messages_ticket_id", "ticket_id"),
)

#: One holder at a time for a job (the Telegram long poll); see gateway/leases.py.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("fence", sa.BigInteger, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("conversation_key", sa.String(255), nullable=False),
    sa.Column("recipient", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id")),
    sa.Column("message_id", BigId, sa.ForeignKey("messages.id")),  # the inbound it answers
    sa.Column("author", sa.String(100), nullable=False),
    # One row per reason to write, e.g. "ack:<message id>": a retried step never queues twice.
    sa.Column("dedupe_key", sa.String(100), unique=True),
    sa.Column("status", sa.String(10), nullable=False),  # pending, sending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("external_ref", sa.String(255)),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
    sa.Index("ix_outbox_conversation", "channel", "conversation_key", "status"),
    sa.Index("ix_outbox_ticket_id", "ticket_id"),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime),
    # Console sign-in: an argon2id hash (null: no password, token only), and the lockout.
    sa.Column("password_hash", sa.String(200)),
    sa.Column("failed_sign_ins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime),
)

#: Console sessions: the cookie's SHA-256 (the cookie itself is never stored) and the
#: CSRF token the page must echo on every change it asks for.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", BigId, sa.ForeignKey("staff.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_staff_sessions_staff_id", "staff_id"),
)


# --- the complaint-handling policy (handoff) ---

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

#: Durable events on their way to the bus: written with the change that caused them,
#: deleted once published (gateway.events.durable).
event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_event_outbox_created_at", "created_at"),
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

#: Contact details a channel vouched for (the address a mail came from): the same person
#: on another channel with the same verified detail is the same customer.
customer_contacts = sa.Table(
    "customer_contacts",
    metadata,
    sa.Column("kind", sa.String(10), primary_key=True),  # email, phone
    sa.Column("value", sa.String(320), primary_key=True),
    sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("verified_at", UTCDateTime, nullable=False),
)

#: Every administrator's change (staff, policy, templates): who, when, before and after.
admin_audit = sa.Table(
    "admin_audit",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # staff.add, template.put, ...
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
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
