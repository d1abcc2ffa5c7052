"""Real peers for the email channel: Dovecot as the IMAP server (started here, in the
foreground, from a generated config) and aiosmtpd as the SMTP server; plus mail builders.

Dovecot missing skips these tests on a user's machine and fails them in CI (`tests/run.sh`
installs it with apt-get where it can).
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from imapclient import IMAPClient

from gateway.settings import Settings, load_settings
from tests.conftest import LiveGateway, eventually, port_open, require_service, running_gateway
from tests.gateway.processes import free_port

USER, PASSWORD = "support", "s3cret"
SUPPORT = "support@shop.test"

DOVECOT_CONF = """\
base_dir  = {d}/run
state_dir = {d}/state
log_path  = {d}/dovecot.log
protocols = imap
listen    = 127.0.0.1
ssl       = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u/Maildir
default_internal_user  = nobody
default_internal_group = nogroup
default_login_user     = nobody
passdb {{
  driver = passwd-file
  args   = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args   = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port    = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    port: int

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def new_mailbox(self) -> str:
        """A fresh, empty folder: each test reads its own."""
        name = f"t{uuid.uuid4().hex[:12]}"
        with self.client() as client:
            client.create_folder(name)
        return name

    def imap_url(self, mailbox: str) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{mailbox}"

    def append(self, mailbox: str, *raws: bytes) -> None:
        with self.client() as client:
            for raw in raws:
                client.append(mailbox, raw)


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return found if os.path.exists(found) else None


@contextmanager
def dovecot_server(binary: str) -> Iterator[Dovecot]:
    """Dovecot in the foreground on a free loopback port, with one user; stopped at the end.

    Its files are not under pytest's tmp_path: Dovecot's processes run as nobody and must
    traverse the directory."""
    directory = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
    directory.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir()
    shutil.chown(directory / "mail", "nobody", "nogroup")
    (directory / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    (directory / "dovecot.conf").write_text(DOVECOT_CONF.format(d=directory, port=port))
    with open(directory / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen(
            [binary, "-F", "-c", str(directory / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            assert proc.poll() is None, (directory / "stderr.log").read_text()
            assert time.monotonic() < deadline, "Dovecot did not open its port"
            time.sleep(0.05)
        yield Dovecot(port)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    require_service(binary is not None, "Dovecot is not installed (apt-get install dovecot-imapd)")
    assert binary is not None
    with dovecot_server(binary) as server:
        yield server


@dataclass
class SmtpSink:
    """aiosmtpd on a loopback port, keeping every mail it receives."""

    port: int = field(default_factory=free_port)
    mails: list[EmailMessage] = field(default_factory=list)
    answer: str = "250 OK"  # what it says to DATA; a 4xx or 5xx refuses the mail
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.answer.startswith("2"):
            return self.answer
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.mails.append(mail)  # type: ignore[arg-type]
        return self.answer

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        async def enough() -> list[EmailMessage] | None:
            with self._lock:
                return list(self.mails) if len(self.mails) >= count else None

        return list(await eventually(enough, timeout))


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def email_settings(data_dir: Path, imap_url: str, smtp_url: str, **more: Any) -> Settings:
    """Settings for a fast test: short waits and retries, so the tests take seconds."""
    return load_settings(
        data_dir=data_dir,
        email_imap_url=imap_url,
        email_smtp_url=smtp_url,
        email_from=SUPPORT,
        email_poll_seconds=0.5,
        email_reconnect_max_seconds=0.5,
        email_lease_seconds=3,
        email_timeout_seconds=5,
        outbox_base_delay_seconds=0.2,
        outbox_max_delay_seconds=0.5,
        **more,
    )


@dataclass
class EmailDesk:
    """A running gateway reading a fresh mailbox and answering into the SMTP sink."""

    gateway: LiveGateway
    dovecot: Dovecot
    mailbox: str
    sink: SmtpSink

    async def append(self, *raws: bytes) -> None:
        await asyncio.to_thread(self.dovecot.append, self.mailbox, *raws)

    async def messages(self) -> list[dict[str, Any]]:
        """Stored email messages, oldest first."""
        return await email_messages(self.gateway)

    async def wait_messages(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        async def stored() -> list[dict[str, Any]] | None:
            found = await self.messages()
            done = [m for m in found if m["stage"] == "done"]
            return found if len(found) >= count and len(done) == len(found) else None

        return list(await eventually(stored, timeout, interval=0.1))


async def email_messages(gateway: LiveGateway) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = f"channel=email&limit=200{f'&before={cursor}' if cursor else ''}"
        async with gateway.http.get(
            f"{gateway.url}/api/v1/messages?{query}", headers=gateway.auth("admin")
        ) as resp:
            assert resp.status == 200, await resp.text()
            page = await resp.json()
        found.extend(page["messages"])
        cursor = page["next"]
        if cursor is None:
            return sorted(found, key=lambda m: int(m["id"]))


@asynccontextmanager
async def email_desk(
    data_dir: Path, dovecot: Dovecot, sink: SmtpSink, **more: Any
) -> AsyncIterator[EmailDesk]:
    mailbox = dovecot.new_mailbox()
    settings = email_settings(data_dir, dovecot.imap_url(mailbox), sink.url, **more)
    async with running_gateway(settings) as gateway:
        yield EmailDesk(gateway, dovecot, mailbox, sink)


@pytest_asyncio.fixture
async def desk(data_dir: Path, dovecot: Dovecot, smtp_sink: SmtpSink) -> AsyncIterator[EmailDesk]:
    async with email_desk(data_dir, dovecot, smtp_sink) as live:
        yield live


def mail(
    text: str,
    *,
    subject: str = "Complaint",
    sender: str = "Zhang Wei <zhang.wei@example.cn>",
    charset: str = "utf-8",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    """A customer's mail as a mail client sends it: the body in `charset`, base64; a
    non-ASCII subject as an encoded word in that charset (hand-encoded: Python's own
    encoder would name GB2312 `eucgb2312_cn`, which other software does not know)."""
    lines = [
        f"From: {sender}",
        f"To: {SUPPORT}",
        f"Subject: {_encoded_word(subject, charset)}",
        f"Message-ID: {message_id or f'<{uuid.uuid4().hex}@example.cn>'}",
        "Date: Mon, 23 Nov 2026 10:00:00 +0800",
        "MIME-Version: 1.0",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    body = base64.encodebytes(text.encode(charset)).decode().replace("\n", "\r\n")
    if html is None:
        lines += [
            f"Content-Type: text/plain; charset={charset}",
            "Content-Transfer-Encoding: base64",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
    boundary = uuid.uuid4().hex
    html_body = base64.encodebytes(html.encode(charset)).decode().replace("\n", "\r\n")
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    parts = [
        f"--{boundary}\r\nContent-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}",
        f"--{boundary}\r\nContent-Type: text/html; charset={charset}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{html_body}",
        f"--{boundary}--\r\n",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + "\r\n".join(parts)).encode()


def _encoded_word(text: str, charset: str) -> str:
    if text.isascii():
        return text
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="
