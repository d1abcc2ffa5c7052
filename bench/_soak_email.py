"""The email side of the soak run: customers' mails appended to a Dovecot mailbox of the
run's own, and an aiosmtpd sink for the gateway's answers that the run stops and starts
again (an SMTP outage). Both peers come from the email tests' fixtures."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable

from tests.channels.email.conftest import SUPPORT, Dovecot, SmtpSink, mail

_APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")
#: Between two mails: Dovecot takes thousands a second, which would drown the other channels.
PAUSE_SECONDS = 0.05


class EmailSide:
    def __init__(self, dovecot: Dovecot, sink: SmtpSink) -> None:
        self.dovecot, self.sink = dovecot, sink
        self.mailbox = dovecot.new_mailbox()

    def settings(self) -> dict[str, str]:
        """GATEWAY_* variables for a gateway reading this mailbox and answering into the sink;
        short waits so an outage is over in seconds, not the default minutes."""
        return {
            "GATEWAY_EMAIL_IMAP_URL": self.dovecot.imap_url(self.mailbox),
            "GATEWAY_EMAIL_SMTP_URL": self.sink.url,
            "GATEWAY_EMAIL_FROM": SUPPORT,
            "GATEWAY_EMAIL_POLL_SECONDS": "1",
            "GATEWAY_EMAIL_RECONNECT_MAX_SECONDS": "2",
            "GATEWAY_EMAIL_LEASE_SECONDS": "5",
            "GATEWAY_EMAIL_TIMEOUT_SECONDS": "5",
            "GATEWAY_OUTBOX_BASE_DELAY_SECONDS": "0.5",
            "GATEWAY_OUTBOX_MAX_DELAY_SECONDS": "4",
        }

    async def flood(self, run: str, keep_going: Callable[[], bool], acked: set[str]) -> int:
        """Appends one complaint after another while `keep_going()`; a mail is sent (the
        customer's server accepted it) once Dovecot answers its UID. Returns the count."""
        return await asyncio.to_thread(self._flood, run, keep_going, acked)

    def _flood(self, run: str, keep_going: Callable[[], bool], acked: set[str]) -> int:
        n = 0
        with self.dovecot.client() as client:
            while keep_going():
                raw = mail(
                    f"My parcel {run}-{n} never arrived and nobody answers the phone",
                    sender=f"Customer {n} <customer{n}@example.com>",
                    message_id=f"<{run}-{n}-{uuid.uuid4().hex[:6]}@example.com>",
                )
                answer = client.append(self.mailbox, raw)
                found = _APPENDUID.search(answer)
                assert found, answer
                acked.add(f"email-{int(found.group(1))}")
                n += 1
                time.sleep(PAUSE_SECONDS)
        return n

    def answers(self) -> tuple[int, int, int]:
        """Acknowledgements the SMTP sink received: customer mails answered; those answered
        by two different mails (what the customer sees as a duplicate); and those whose one
        answer arrived twice with the same Message-ID (the outbox's at-least-once resend,
        e.g. killed between the SMTP reply and its commit, which a mail client drops)."""
        with self.sink._lock:
            ids = Counter((str(m["In-Reply-To"]), str(m["Message-ID"])) for m in self.sink.mails)
        answers_per_mail = Counter(reply_to for reply_to, _ in ids)
        doubled = sum(1 for count in answers_per_mail.values() if count > 1)
        resent = sum(1 for count in ids.values() if count > 1)
        return len(answers_per_mail), doubled, resent
