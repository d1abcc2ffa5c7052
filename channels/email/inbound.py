"""Inbound email: read the mailbox, store every new mail, then advance the checkpoint.

One reader per mailbox, among all the processes sharing the database, holds a lease with a
fence (`gateway.leases`): it renews the lease before each fetch, in the transaction that
records what it fetched and in the one that moves the checkpoint, so a process paused past
its lease neither reads on, nor stores, nor moves the checkpoint. It catches up from the checkpoint,
then waits with IDLE where the server offers it (polling otherwise), and reconnects with
backoff after any failure. A mail is stored (`intake.accept`) before the checkpoint moves
past its UID, so a crash re-reads it and the idempotency key (UIDVALIDITY:UID) drops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.engine import Connection

from gateway.channels import ChannelContext
from gateway.leases import Lease
from gateway.messages import EVERY_MESSAGE_A_TICKET, Attachment, InboundMessage, Sender
from gateway.tasks import start, stop

from . import checkpoint as cp
from . import threads
from .authentication import sender_verified
from .files import store_attachments, store_raw
from .imap_reader import MailboxSession
from .mime import ParsedMail, parse_mail, unreadable_mail
from .noise import suppression_reasons
from .quoting import new_text
from .url import ImapUrl

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_BACKOFF = 0.5
NO_SENDER = "unknown-sender@invalid"


def message_headers(mail: ParsedMail) -> dict[str, str | None]:
    """The headers an agent reads a mail by, decoded; kept with each stored message."""
    headers = mail.headers
    return {
        "subject": mail.subject,
        "from": headers.get("from"),
        "to": headers.get("to"),
        "cc": headers.get("cc"),
        "reply_to": headers.get("reply-to"),
        "date": headers.get("date"),
        "content_type": mail.body_type,
    }


def lease_name(url: ImapUrl) -> str:
    """The mailbox's lease; a key too long for the lease table is named by its hash."""
    name = f"email:{url.key}"
    return name if len(name) <= 100 else f"email:{hashlib.sha256(url.key.encode()).hexdigest()}"


class LeaseLost(Exception):
    """Another process reads this mailbox now; stop without advancing the checkpoint."""


@dataclass(frozen=True, slots=True)
class Kept:
    """A parsed mail whose raw original and attachments are in the data dir."""

    mail: ParsedMail
    message_id: str  # its Message-ID, or one made from its hash when it has none
    raw_ref: str
    content_hash: str  # subject, text and attachments: "the same content"
    attachments: tuple[Attachment, ...]


class EmailInput:
    def __init__(self, context: ChannelContext, url: ImapUrl, own_address: str) -> None:
        self._context = context
        self._settings = context.settings
        self._db = context.database
        self._url = url
        self._own_address = own_address
        self._lease = Lease(
            context.database,
            lease_name(url),
            timedelta(seconds=self._settings.email_lease_seconds),
            context.clock,
        )
        self._session = MailboxSession(url, self._settings.email_timeout_seconds)
        # imapclient is not thread-safe: every IMAP call goes through this one thread.
        self._imap_thread = ThreadPoolExecutor(1, thread_name_prefix="email-imap")

    async def reader_ctx(self, _app: web.Application) -> AsyncIterator[None]:
        task = start("email-reader", self.run())
        yield
        # Wakes a thread blocked in IDLE: the IMAP thread must be free for the close below.
        self._session.interrupt()
        await stop([task])
        await self._imap(self._session.close)
        self._imap_thread.shutdown(wait=True)
        with contextlib.suppress(Exception):
            await self._lease.release()

    async def run(self) -> None:
        """Reads until cancelled; any failure is logged, and the reader reconnects after a
        backoff that doubles up to the configured maximum."""
        backoff = FIRST_BACKOFF
        while True:
            try:
                if await self._lease.hold():
                    await self._read_while_leased()
                    backoff = FIRST_BACKOFF
                else:
                    await asyncio.sleep(self._wait_seconds())
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._context.metrics.errors.labels("email_imap").inc()
                log.warning(
                    "email reader: %s: %s; retrying in %.1fs", type(exc).__name__, exc, backoff
                )
            await self._imap(self._session.close)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._settings.email_reconnect_max_seconds)

    async def _read_while_leased(self) -> None:
        await self._imap(self._session.open)
        while True:
            await self.catch_up()
            if self._session.has_idle:
                await self._imap(self._session.idle_wait, self._wait_seconds())
            else:
                await asyncio.sleep(self._wait_seconds())
                await self._imap(self._session.noop)  # lets the server report new mail
            if not await self._lease.hold():
                return  # another process took over (this one stalled past the lease)

    async def catch_up(self) -> None:
        """Stores every mail after the checkpoint, in UID order."""
        saved = await self._db.read(cp.load_checkpoint, self._url.key)
        uidvalidity = self._session.uidvalidity
        after = saved.last_uid if saved is not None and saved.uidvalidity == uidvalidity else 0
        if saved is not None and saved.uidvalidity != uidvalidity:
            log.warning("UIDVALIDITY of %s changed: re-reading the mailbox", self._url.mailbox)
        uids = await self._imap(self._session.uids_after, after)
        batch_size = self._settings.email_fetch_batch
        for first in range(0, len(uids), batch_size):
            batch = uids[first : first + batch_size]
            if not await self._lease.hold():
                raise LeaseLost(self._url.key)
            fetched = await self._imap(self._session.fetch, batch)
            kept = await asyncio.to_thread(self._keep_all, fetched)
            # One write records the threads of the whole batch, in UID order, so a reply
            # finds the mail it answers even when both came in the same batch.
            found = await self._db.write(
                self._normalise_all, uidvalidity, sorted(kept, key=lambda k: k[0])
            )
            # Stored together: the pipeline then takes them in batches, not one by one.
            # (Order within the batch does not matter: a reply and the mail it answers share
            # a conversation, so whichever comes first opens the ticket the other joins.)
            await asyncio.gather(*(self._context.intake.accept(m) for m in found))
            # Expunged UIDs (asked for, not fetched) are passed over with the rest.
            await self._db.write(self._advance, uidvalidity, batch[-1])

    def _keep_all(
        self, fetched: dict[int, tuple[bytes, datetime | None]]
    ) -> list[tuple[int, Kept, datetime | None]]:
        return [(uid, self._keep(raw), arrived) for uid, (raw, arrived) in fetched.items()]

    def _keep(self, raw: bytes) -> Kept:
        """Parses the mail and keeps its files; runs off the event loop (a big mail is slow).
        A mail the parser cannot read at all is kept raw with a note: never a stuck reader."""
        try:
            mail = parse_mail(raw)
        except Exception as exc:
            log.exception("unreadable mail kept raw")
            mail = unreadable_mail(f"unreadable mail ({type(exc).__name__}): kept raw only")
        data_dir = self._settings.data_dir
        attachments, notes = store_attachments(
            data_dir, mail.attachments, self._settings.email_attachment_max_bytes
        )
        mail.notes.extend(notes)
        digest = hashlib.sha256(mail.subject.encode("utf-8", "replace"))
        digest.update(b"\0" + mail.text.encode("utf-8", "replace"))
        for sha in sorted(a.sha256 or "" for a in attachments):
            digest.update(b"\0" + sha.encode())
        message_id = mail.message_id or f"<{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id>"
        raw_ref = store_raw(data_dir, raw)
        return Kept(mail, message_id, raw_ref, digest.hexdigest(), tuple(attachments))

    def _normalise_all(
        self,
        conn: Connection,
        uidvalidity: int,
        batch: list[tuple[int, Kept, datetime | None]],
    ) -> list[InboundMessage]:
        if not self._lease.renew_in(conn, self._context.clock()):
            raise LeaseLost(self._url.key)  # records no thread, stores nothing
        found = []
        for uid, kept, arrived in batch:
            message = self._normalise(conn, kept, f"{uidvalidity}:{uid}", arrived)
            if message is None:
                log.info(
                    "mail %s:%s was stored before a UIDVALIDITY change: skipped", uidvalidity, uid
                )
            else:
                found.append(message)
        return found

    def _normalise(
        self, conn: Connection, kept: Kept, external_id: str, arrived: datetime | None
    ) -> InboundMessage | None:
        """The message to store, its thread recorded in the Message-ID map; None for a mail
        already stored under an earlier UIDVALIDITY (the server renumbered the mailbox: not
        a new delivery)."""
        mail = kept.mail
        # Within the core columns' sizes: a value PostgreSQL refuses would stop the reader.
        address = (mail.sender_address or NO_SENDER)[:255]
        name = mail.sender_name[:200] if mail.sender_name else None
        reasons = suppression_reasons(mail, self._own_address)
        seen = threads.duplicate_of(conn, kept.message_id, kept.content_hash, external_id)
        if seen is not None:
            if seen.split(":")[0] != external_id.split(":")[0]:
                return None
            reasons.append(f"duplicate of mail {seen} (same Message-ID and content)")
        thread = threads.recorded_thread(conn, external_id)
        if thread is None:
            thread = threads.resolve_thread(
                conn,
                own_id=kept.message_id,
                in_reply_to=mail.in_reply_to,
                references=mail.references,
                subject=mail.subject,
                address=address,
                ticket_prefix=self._settings.ticket_prefix,
                tickets=self._context.tickets,
            )
            threads.record_inbound(
                conn,
                external_id=external_id,
                message_id=kept.message_id,
                thread=thread,
                address=address,
                reply_to=mail.reply_to[:320] if mail.reply_to else None,
                subject=mail.subject,
                references=mail.references,
                content_hash=kept.content_hash,
                now=self._context.clock(),
            )
        metadata: dict[str, Any] = {
            "subject": mail.subject,
            "message_id": kept.message_id,
            "thread": thread.matched_by,
            "headers": message_headers(mail),
            # Email has no live bot dialogue: each mail from a person reaches an agent.
            EVERY_MESSAGE_A_TICKET: True,
        }
        if mail.html:
            metadata["html"] = mail.html  # sanitised: safe to show to agents
        if mail.sender_address and sender_verified(mail.headers):
            metadata["verified"] = ["email"]  # links this customer's other channels
        # Only a subject: the subject is what there is to classify.
        text = new_text(mail.text) or mail.subject.strip()
        notes = list(mail.notes)
        if not text and kept.attachments:
            names = ", ".join(a.filename or a.content_type for a in kept.attachments)
            notes.append(f"attachments only: {names}")
        return InboundMessage(
            channel="email",
            external_id=external_id,
            conversation_key=thread.conversation_key,
            sender=Sender(id=address, name=name, email=address if mail.sender_address else None),
            text=text,
            received_at=arrived or self._context.clock(),
            attachments=kept.attachments,
            raw_ref=kept.raw_ref,
            notes=(*notes, *(f"not answered: {reason}" for reason in reasons)),
            metadata=metadata,
            reply_suppressed=bool(reasons),
        )

    def _advance(self, conn: Connection, uidvalidity: int, uid: int) -> None:
        """Moves the checkpoint past `uid`, only while this reader holds the lease (renewed
        here, so a long catch-up keeps it)."""
        now = self._context.clock()
        if not self._lease.renew_in(conn, now):
            raise LeaseLost(self._url.key)
        cp.save_checkpoint(conn, self._url.key, cp.Checkpoint(uidvalidity, uid), now)

    def _wait_seconds(self) -> float:
        # Renew well before the lease runs out, however long the poll interval.
        return min(self._settings.email_poll_seconds, self._settings.email_lease_seconds / 3)

    async def _imap(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._imap_thread, fn, *args)
