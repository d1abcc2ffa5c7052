"""The normalised message model every channel speaks.

A channel adapter turns its raw input into one `InboundMessage` and turns an
`OutboundMessage` into its own send; nothing past the adapter knows which channel it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Metadata a channel sets on a message that must open or join a ticket whatever its
#: intent: a channel without a live bot dialogue (email), where only a person can answer.
EVERY_MESSAGE_A_TICKET = "every_message_a_ticket"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: the channel's own id for them, plus whatever contact details it gave."""

    id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """Metadata of one attachment; the bytes live in the attachment store under `sha256`."""

    filename: str | None
    content_type: str
    size: int
    sha256: str | None = None
    note: str | None = None
    #: An email part's Content-ID (without <>), which "cid:" links in its HTML name.
    content_id: str | None = None
    inline: bool = False  # shown in the body (Content-Disposition: inline), not attached


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message as the gateway stores it.

    `external_id` is the channel's idempotency key: the same channel message delivered twice
    has the same key and is stored once.
    """

    channel: str
    external_id: str
    conversation_key: str
    sender: Sender
    text: str
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attachments: tuple[Attachment, ...] = ()
    raw_ref: str | None = None
    language_hint: str | None = None
    notes: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Stored and noted, but never answered nor ticketed: auto-replies, bounces, mailing
    #: lists, a mail seen before under another UID. The channel says why in `notes`.
    reply_suppressed: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a customer can pick (an inline button); `value` comes back as their text."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message, as the outbox hands it to a channel's output side: a reply in the
    conversation, or, with a `subject`, a new message to `recipient` that starts its own
    (a supervisor's alert mail)."""

    id: int
    channel: str
    conversation_key: str
    recipient: str
    text: str
    kind: str
    ticket_number: str | None = None
    subject: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Quick answers (a satisfaction survey's scores); a channel without buttons may list
    #: them in the text, which already names them.
    choices: tuple[Choice, ...] = ()
    language: str | None = None
    #: Who wrote it: "bot", or the staff member's name for an agent's reply.
    author: str = "bot"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a channel's send reports back to the outbox.

    `delivered` False with `retry` True asks for a later attempt (after `retry_after`
    seconds when the channel knows it); `parked` keeps the message until the recipient
    comes back (a web chat customer who is offline); otherwise the outbox gives up and
    records `error`.
    """

    delivered: bool
    retry: bool = False
    parked: bool = False
    retry_after: float | None = None
    error: str | None = None
    external_ref: str | None = None

    @classmethod
    def ok(cls, external_ref: str | None = None) -> Delivery:
        return cls(delivered=True, external_ref=external_ref)

    @classmethod
    def later(cls, error: str, retry_after: float | None = None) -> Delivery:
        return cls(delivered=False, retry=True, retry_after=retry_after, error=error)

    @classmethod
    def park(cls, reason: str) -> Delivery:
        return cls(delivered=False, parked=True, error=reason)

    @classmethod
    def failed(cls, error: str) -> Delivery:
        return cls(delivered=False, retry=False, error=error)
