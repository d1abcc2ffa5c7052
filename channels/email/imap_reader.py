"""A blocking IMAP session on one mailbox (imapclient); the inbound side runs each call on
its own single thread, so the event loop never waits on the network."""

from __future__ import annotations

import contextlib
from datetime import datetime

from imapclient import IMAPClient

from .url import ImapUrl


class MailboxSession:
    def __init__(self, url: ImapUrl, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._client: IMAPClient | None = None
        self.uidvalidity = 0
        self.has_idle = False

    def open(self) -> None:
        client = IMAPClient(
            self._url.host, port=self._url.port, ssl=self._url.tls, timeout=self._timeout
        )
        client.normalise_times = False  # INTERNALDATE aware, with the server's offset
        self._client = client
        client.login(self._url.user, self._url.password)
        selected = client.select_folder(self._url.mailbox, readonly=True)
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.has_idle = b"IDLE" in client.capabilities()

    def uids_after(self, last_uid: int) -> list[int]:
        # "N:*" always includes the newest UID, even below N: filter.
        return sorted(
            uid for uid in self._live.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid
        )

    def fetch(self, uids: list[int]) -> dict[int, tuple[bytes, datetime | None]]:
        """Raw bytes and INTERNALDATE of each UID still there (BODY.PEEK: flags untouched)."""
        fetched = self._live.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        return {
            int(uid): (bytes(data[b"BODY[]"]), data.get(b"INTERNALDATE"))
            for uid, data in fetched.items()
            if b"BODY[]" in data
        }

    def idle_wait(self, timeout: float) -> None:
        """Returns when the server reports a change, or after `timeout` seconds."""
        client = self._live
        client.idle()
        try:
            client.idle_check(timeout=timeout)
        finally:
            client.idle_done()

    def noop(self) -> None:
        self._live.noop()

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.logout()
            self._client = None

    def interrupt(self) -> None:
        """From another thread: drops the connection so a blocked call returns now."""
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    @property
    def _live(self) -> IMAPClient:
        if self._client is None:
            raise ConnectionError("IMAP session is not open")
        return self._client
