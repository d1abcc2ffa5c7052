"""The email channel's own tables, on the gateway's one `MetaData` (migration 0003)."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.schema import metadata
from gateway.db.types import BigId, UTCDateTime

#: Every Message-ID the gateway has seen or sent, and the thread it belongs to. Threading
#: looks replies up here by In-Reply-To and References; outbound mail takes its In-Reply-To,
#: References and subject from here.
email_messages = sa.Table(
    "email_messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(500), nullable=False),
    sa.Column("direction", sa.String(3), nullable=False),  # in, out
    # An inbound mail's idempotency key (messages.external_id), recorded before it is stored
    # so its acknowledgement, however fast, always finds its thread.
    sa.Column("external_id", sa.String(255), unique=True),
    sa.Column("outbox_id", BigId, sa.ForeignKey("outbox.id"), unique=True),
    # The thread's first Message-ID; the conversation is this root and one sender's address.
    sa.Column("root", sa.String(500), nullable=False),
    sa.Column("conversation_key", sa.String(255), nullable=False),
    sa.Column("address", sa.String(320), nullable=False),  # the customer's
    sa.Column("reply_to", sa.String(320)),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("references", sa.Text, nullable=False),  # the chain up to this mail, spaced
    sa.Column("content_hash", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_email_messages_message_id", "message_id"),
    sa.Index("ix_email_messages_conversation_key", "conversation_key"),
)

#: How far the reader got in each mailbox: the last stored UID under a UIDVALIDITY.
email_checkpoints = sa.Table(
    "email_checkpoints",
    metadata,
    sa.Column("mailbox", sa.String(400), primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    sa.Column("last_uid", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
