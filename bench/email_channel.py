"""Email benchmark: mails per second read, stored and ticketed by one gateway process with
SQLite, from a Dovecot mailbox filled beforehand, against a bare imapclient fetch of the same
mailbox in the same run; acknowledgement latency from APPEND to the SMTP peer's receipt.

    python bench/email_channel.py [--mails 2000] [--singles 50] [--models PATH]

Needs Dovecot (apt-get install dovecot-imapd). Prints one line per figure. Run it by hand;
nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
# The project first: bench/nlu.py would hide the `nlu` package the gateway imports.
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from _harness import peak_rss_mb, percentile  # noqa: E402

from tests.channels.email.conftest import (  # noqa: E402
    SUPPORT,
    Dovecot,
    SmtpSink,
    dovecot_binary,
    dovecot_server,
    mail,
)
from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

TEXTS = [
    ("utf-8", "My parcel {n} never arrived and the tracking has not moved for a week"),
    ("utf-8", "You charged my card twice for order {n}, I want my money back"),
    ("koi8-r", "Мой заказ {n} так и не доставили, курьер не отвечает"),
    ("windows-1251", "Верните деньги за заказ {n}, товар пришёл сломанным"),
    ("gb2312", "订单{n}的快递一直没到，客服也不回复"),
    ("big5", "訂單{n}的商品有瑕疵，申請退貨都沒人理"),
]


def complaint(n: int, message_id: str | None = None) -> bytes:
    charset, text = TEXTS[n % len(TEXTS)]
    return mail(
        text.format(n=20261100000 + n),
        subject=f"Complaint {n}",
        sender=f"customer{n}@example.test",
        charset=charset,
        message_id=message_id,
    )


def bare_fetch_rate(dovecot: Dovecot, mailbox: str, batch: int = 50) -> float:
    """Mails/s of imapclient alone fetching the mailbox in batches: the ceiling."""
    started = time.perf_counter()
    with dovecot.client() as client:
        client.select_folder(mailbox, readonly=True)
        uids = client.search(["ALL"])
        for start in range(0, len(uids), batch):
            client.fetch(uids[start : start + batch], ["BODY.PEEK[]", "INTERNALDATE"])
    return len(uids) / (time.perf_counter() - started)


def progress(db: Path) -> tuple[int, datetime | None, datetime | None, datetime | None]:
    """Email messages through the pipeline; when the first and the last were stored, and
    when the last reply was queued (in the transaction that opens the ticket)."""
    with sqlite3.connect(db) as conn:
        done, first, last = conn.execute(
            "SELECT sum(stage = 'done'), min(stored_at), max(stored_at) FROM messages"
            " WHERE channel = 'email'"
        ).fetchone()
        (last_reply,) = conn.execute("SELECT max(created_at) FROM outbox").fetchone()
    return done or 0, _moment(first), _moment(last), _moment(last_reply)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--singles", type=int, default=50)
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()
    binary = dovecot_binary()
    if binary is None:
        raise SystemExit("Dovecot is not installed (apt-get install dovecot-imapd)")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-email-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    sink = SmtpSink()
    sink.start()
    with dovecot_server(binary) as dovecot:
        mailbox = dovecot.new_mailbox()
        dovecot.append(mailbox, *(complaint(n) for n in range(args.mails)))
        bare = bare_fetch_rate(dovecot, mailbox)
        port = free_port()
        gateway = start_gateway(
            data_dir,
            port,
            GATEWAY_EMAIL_IMAP_URL=dovecot.imap_url(mailbox),
            GATEWAY_EMAIL_SMTP_URL=sink.url,
            GATEWAY_EMAIL_FROM=SUPPORT,
            GATEWAY_EMAIL_POLL_SECONDS="1",
        )
        try:
            async with aiohttp.ClientSession() as http:
                await wait_healthy(http, f"http://127.0.0.1:{port}", gateway, timeout=300)
            db = data_dir / "gateway.db"
            while True:
                done, first, last, last_reply = progress(db)
                if done >= args.mails:
                    break
                await asyncio.sleep(0.5)
            assert first is not None and last is not None and last_reply is not None
            stored_rate = args.mails / (last - first).total_seconds()
            rate = args.mails / (last_reply - first).total_seconds()
            print(f"fetched+stored: {stored_rate:.0f} mails/s ({args.mails} mails)")
            print(f"fetched+stored+ticketed: {rate:.0f} mails/s ({args.mails} mails)")
            print(f"bare imapclient fetch: {bare:.0f} mails/s (gateway/bare = {rate / bare:.2f})")
            await sink.wait_for(args.mails, timeout=600)
            latencies = []
            for n in range(args.singles):
                message_id = f"<single-{uuid.uuid4().hex}@example.test>"
                before = len(sink.mails)
                started = time.perf_counter()
                dovecot.append(mailbox, complaint(args.mails + n, message_id))
                while not any(m["In-Reply-To"] == message_id for m in sink.mails[before:]):
                    await asyncio.sleep(0.002)
                latencies.append(time.perf_counter() - started)
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            print(f"acknowledgement latency APPEND->SMTP p50: {p50 * 1000:.0f} ms")
            print(f"acknowledgement latency APPEND->SMTP p99: {p99 * 1000:.0f} ms")
            print(f"gateway peak RSS: {peak_rss_mb(gateway.pid):.0f} MB")
        finally:
            gateway.terminate()
            gateway.wait(30)
            sink.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
