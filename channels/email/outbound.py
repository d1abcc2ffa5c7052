"""Outbound email: one outbox row → one mail in the customer's thread, by SMTP; or, for a
message with its own subject (a supervisor's alert), a new mail to its recipient.

The Message-ID comes from the outbox row id and this installation's domain, so it is the
same on every attempt: a retry after a lost answer is the same mail, which mail clients
show once. The outbound mail is put in the Message-ID map before it is sent, so the
customer's reply to it always finds the thread.
"""

from __future__ import annotations

import html
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from gateway.clock import Clock
from gateway.db.engine import Database
from gateway.messages import Delivery, OutboundMessage

from . import threads
from .url import SmtpUrl

#: Kinds a machine sends on its own: marked so other auto-responders do not answer them.
AUTOMATIC_KINDS = frozenset({"acknowledgement", "bot_reply", "survey"})
#: The longest subject a new mail gets (RFC 5322 advises lines under 78 characters).
MAX_SUBJECT = 150
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|回复|答复|回覆|ответ)\s*[:：]", re.IGNORECASE)


class EmailOutput:
    def __init__(
        self, database: Database, clock: Clock, smtp: SmtpUrl, sender: Address, timeout: float
    ) -> None:
        self._db = database
        self._clock = clock
        self._smtp = smtp
        self._sender = sender
        self._timeout = timeout

    def message_id(self, outbox_id: int) -> str:
        return f"<gateway.{outbox_id}@{self._sender.domain}>"

    async def send(self, message: OutboundMessage) -> Delivery:
        message_id = self.message_id(message.id)
        if message.subject is not None:
            refused = address_problem(message.recipient)
            if refused is not None:
                return Delivery.failed(refused)
            return await self._deliver(self.compose_new(message, message_id), message_id)
        parent = await self._db.read(threads.parent_for_reply, message.id, message.conversation_key)
        if parent is None:
            return Delivery.failed("no inbound mail in this conversation to reply to")
        refused = address_problem(parent.reply_to or parent.address)
        if refused is not None:  # no server will take it: fail now, never retry
            return Delivery.failed(refused)
        subject = reply_subject(parent.subject, message.ticket_number)
        await self._db.write(
            threads.record_outbound,
            message.id,
            message_id,
            parent,
            message.conversation_key,
            subject,
            self._clock(),
        )
        return await self._deliver(self.compose(message, parent, message_id, subject), message_id)

    async def _deliver(self, mail: EmailMessage, message_id: str) -> Delivery:
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._smtp.host,
                port=self._smtp.port,
                username=self._smtp.user,
                password=self._smtp.password,
                use_tls=self._smtp.tls,
                start_tls=self._smtp.starttls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            if codes and all(500 <= code < 600 for code in codes):
                return Delivery.failed(f"recipient refused: {codes}")
            return Delivery.later(f"recipient deferred: {codes}")
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                return Delivery.failed(f"SMTP {exc.code}: {exc.message}")
            return Delivery.later(f"SMTP {exc.code}: {exc.message}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return Delivery.later(f"SMTP unreachable: {type(exc).__name__}")
        return Delivery.ok(external_ref=message_id)

    def compose_new(self, message: OutboundMessage, message_id: str) -> EmailMessage:
        """A mail of its own to `message.recipient`, in no customer's thread."""
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = " ".join((message.subject or "").split())[:MAX_SUBJECT]
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: sent by a machine, not a reply
        mail["X-Auto-Response-Suppress"] = "All"
        self._set_body(mail, message)
        return mail

    def compose(
        self, message: OutboundMessage, parent: threads.Parent, message_id: str, subject: str
    ) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = parent.reply_to or parent.address
        mail["Subject"] = subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id
        mail["In-Reply-To"] = parent.message_id
        mail["References"] = parent.references
        if message.kind in AUTOMATIC_KINDS:
            mail["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-answer to this
            mail["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
        self._set_body(mail, message)
        return mail

    def _set_body(self, mail: EmailMessage, message: OutboundMessage) -> None:
        mail.set_content(message.text)
        mail.add_alternative(text_as_html(message.text, message.language), subtype="html")
        if message.language:  # after the content: setting content drops Content-* headers
            mail["Content-Language"] = message.language


def address_problem(address: str) -> str | None:
    """Why no mail server would accept `address` (a trailing dot, a space, no domain), or
    None. Only the syntax is checked: whether it exists is the receiving server's call."""
    try:
        validate_email(
            address, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        return f"invalid recipient address {address!r}: {exc}"
    return None


def reply_subject(original: str, ticket_number: str | None) -> str:
    """`Re: <original subject> [<ticket number>]`, without doubling either part."""
    subject = original.strip()
    if not _REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}" if subject else "Re:"
    if ticket_number and ticket_number not in subject:
        subject = f"{subject} [{ticket_number}]"
    return subject


def text_as_html(text: str, language: str | None) -> str:
    """The text as HTML, escaped: paragraphs on blank lines, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    lang = f' lang="{html.escape(language)}"' if language else ""
    return (
        f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body></html>\n'
    )
