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
