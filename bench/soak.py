"""Soak run with faults: a complaint flood over the API, web chat and email (Dovecot), a
bad-input barrage, and mid-flood the SMTP server stopped, the gateway and its workers killed
with SIGKILL, and the Redis server stopped (it comes back empty); each is started again.
Clients retry what was not acknowledged, as real ones do, so nothing acknowledged may be
lost or doubled. The run starts its own aiosmtpd, redis-server and Dovecot on free ports.

    python bench/soak.py [--seconds 60] [--database-url URL] [--models DATA/models]

Prints sent, stored, lost, duplicated tickets, duplicate acknowledgements (outbox rows,
customer mails answered by two different mails, and one answer resent with its own
Message-ID), 5xx and the peak RSS of the gateway's processes, one line each. Not part of
the suite (the tests cover each fault alone).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # the nlu package, not bench/nlu.py
from _harness import peak_rss_mb  # noqa: E402
from _soak_email import EmailSide  # noqa: E402

from gateway.db.engine import Database  # noqa: E402
from gateway.db.schema import messages, outbox  # noqa: E402
from handoff.schema import tickets  # noqa: E402
from tests.channels.email.conftest import SmtpSink, dovecot_binary, dovecot_server  # noqa: E402
from tests.gateway.processes import (  # noqa: E402
    RedisServer,
    child_pids,
    free_port,
    start_gateway,
    wait_healthy,
)

BAD_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b"[" * 5000 + b"]" * 5000, {}),
    (b'{"text": ' + b"9" * 5000 + b"}", {}),
    (gzip.compress(b'{"text": "' + b"a" * 20_000_000 + b'"}'), {"Content-Encoding": "gzip"}),
    (b'{"external_id": "x", "sender": {"id": "c"}, "text": "a\\u0000b\\ud800"}', {}),
    (b'{"external_id": "y", "sender": {"id": "c"}, "text": "t", "received_at": "0001-01-01"}', {}),
    (b"\xff\xfe", {}),
    (b'{"text": "x"}', {"Content-Encoding": "br"}),
]
STOP_SECONDS = 30  # a graceful stop drains for 10 s at most (gateway.web.app)
BAD_FRAMES = ["[" * 5000 + "]" * 5000, '{"type": "message", "text": "\\ud800"}', "{nope", "[]"]


class Tally:
    def __init__(self) -> None:
        self.acked: set[str] = set()
        self.errors_5xx = 0
        self.bad_sent = 0


async def api_client(http: aiohttp.ClientSession, url: str, run: str, n: int, t: Tally) -> None:
    external_id = f"{run}-api-{n}"
    body = {
        "external_id": external_id,
        "sender": {"id": f"soak-{n % 50}"},
        "conversation_id": f"{run}-c{n}",
        "text": f"My parcel {n} never arrived and nobody answers the phone",
    }
    while True:  # retry until acknowledged, as an integration would
        try:
            async with http.post(f"{url()}/api/v1/messages", json=body) as resp:
                if resp.status >= 500:
                    t.errors_5xx += resp.status != 503  # 503 is the documented retry
                elif resp.status in (200, 202):
                    t.acked.add(external_id)
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.2)


async def chat_client(http: aiohttp.ClientSession, url: str, run: str, n: int, t: Tally) -> None:
    client_id = f"{run}-chat-{n}"
    session = ""  # a reconnect resumes the session, as the widget does
    while True:
        try:
            async with http.ws_connect(f"{url()}/ws/chat?session={session}", timeout=10) as ws:
                await ws.send_json(
                    {"type": "message", "text": f"Broken screen {n}", "id": client_id}
                )
                async for frame in ws:
                    data = json.loads(frame.data)
                    if data.get("type") == "session":
                        session = data["session"]
                    elif data.get("type") == "received":
                        t.acked.add(client_id)
                        return
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        await asyncio.sleep(0.2)


async def barrage(http: aiohttp.ClientSession, url: str, t: Tally, stop: float) -> None:
    while time.monotonic() < stop:
        for body, headers in BAD_BODIES:
            try:
                async with http.post(
                    f"{url()}/api/v1/messages",
                    data=body,
                    headers={"Content-Type": "application/json", **headers},
                ) as resp:
                    t.bad_sent += 1
                    t.errors_5xx += resp.status >= 500 and resp.status != 503
                async with http.ws_connect(f"{url()}/ws/chat", timeout=10) as ws:
                    for frame in BAD_FRAMES:
                        await ws.send_str(frame)
                        await ws.receive(timeout=10)
                        t.bad_sent += 1
            except (aiohttp.ClientError, TimeoutError):
                pass
        await asyncio.sleep(0.05)


class Faults:
    """The gateway and the peers it depends on, each of which the run takes away for a
    while: SIGKILL of the gateway (and its pipeline workers), the SMTP server stopped, the
    Redis server stopped (it comes back empty: no persistence)."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str], redis: RedisServer) -> None:
        self.data_dir, self.port, self.env, self.redis = data_dir, port, env, redis
        self.proc = start_gateway(data_dir, port, **env)
        self.rss: dict[str, float] = {}

    def sample_rss(self) -> None:
        """Peak RSS of the web process and of its pipeline workers, by role."""
        roles = [("web", self.proc.pid), *(("worker", p) for p in child_pids(self.proc.pid))]
        for role, pid in roles:
            with contextlib.suppress(OSError, RuntimeError):
                self.rss[role] = max(self.rss.get(role, 0.0), peak_rss_mb(pid))

    async def kill_gateway(self, http: aiohttp.ClientSession, base: str) -> None:
        self.sample_rss()
        for pid in [*child_pids(self.proc.pid), self.proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        log("SIGKILL sent to the gateway and its workers; restarting")
        self.proc = start_gateway(self.data_dir, self.port, **self.env)
        await wait_healthy(http, base, self.proc)

    async def smtp_outage(self, email: EmailSide, seconds: float) -> None:
        email.sink.stop()
        log(f"SMTP down for {seconds:g}s")
        await asyncio.sleep(seconds)
        email.sink.start()
        log("SMTP back")

    async def redis_outage(self, seconds: float) -> None:
        self.redis.stop()
        log(f"Redis down for {seconds:g}s")
        await asyncio.sleep(seconds)
        await asyncio.to_thread(self.redis.start)
        log("Redis back (empty)")


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    database_url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}"
    binary = dovecot_binary()
    assert binary and shutil.which("redis-server"), "needs dovecot and redis-server installed"
    sink = SmtpSink()
    sink.start()
    redis = RedisServer(data_dir)
    redis.start()
    with dovecot_server(binary) as dovecot:
        email = EmailSide(dovecot, sink)
        # Loopback is exempt from rate limits (tests.gateway.processes).
        env = {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_REDIS_URL": redis.url}
        env.update(email.settings())
        try:
            await soak(args.seconds, data_dir, database_url, env, redis, email)
        finally:
            redis.stop()
            sink.stop()


async def soak(
    seconds: float,
    data_dir: Path,
    database_url: str,
    env: dict[str, str],
    redis: RedisServer,
    email: EmailSide,
) -> None:
    port = free_port()
    run = uuid.uuid4().hex[:6]
    faults = Faults(data_dir, port, env, redis)
    base = f"http://127.0.0.1:{port}"
    t = Tally()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await wait_healthy(http, base, faults.proc, timeout=300)  # may train a first model
        log(f"gateway up on {base}; flooding for {seconds:g}s")
        stop = time.monotonic() + seconds

        async def flood(kind: Any, offset: int) -> None:
            n = offset
            while time.monotonic() < stop:
                await asyncio.gather(*(kind(http, lambda: base, run, n + i, t) for i in range(8)))
                n += 8

        async def at(fraction: float, fault: Awaitable[None]) -> None:
            await asyncio.sleep(seconds * fraction)
            await fault

        await asyncio.gather(
            flood(api_client, 0), flood(chat_client, 10**6), barrage(http, lambda: base, t, stop),
            email.flood(run, lambda: time.monotonic() < stop, t.acked),
            at(0.15, faults.smtp_outage(email, seconds / 6)),
            at(0.35, faults.kill_gateway(http, base)),
            at(0.6, faults.redis_outage(seconds / 8)),
        )  # fmt: skip
        log("flood over; waiting for the pipeline and the outbox to settle")
        database = Database(database_url)
        figures = await settle(database, t)
        faults.sample_rss()
        await database.dispose()
    faults.proc.terminate()
    try:
        faults.proc.wait(STOP_SECONDS)
        stopped = "yes"
    except subprocess.TimeoutExpired:
        faults.proc.kill()
        stopped = f"no (killed after {STOP_SECONDS}s)"
    delivered, doubled, resent = email.answers()
    print(f"sent (acknowledged by the gateway or the mail server): {len(t.acked)}")
    by_channel = {"api": "-api-", "web_chat": "-chat-", "email": "email-"}
    print("sent by channel: " + ", ".join(
        f"{name} {sum(marker in key for key in t.acked)}" for name, marker in by_channel.items()
    ))  # fmt: skip
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"email acknowledgements received by SMTP: {delivered}")
    print(f"email acknowledgements received twice by SMTP: {doubled}")
    print(f"email acknowledgements resent with the same Message-ID: {resent}")
    print(f"bad inputs sent: {t.bad_sent}")
    print(f"5xx answers (other than 503 retry): {t.errors_5xx}")
    for role, peak in sorted(faults.rss.items()):
        print(f"peak RSS MB ({role} process): {peak:.0f}")
    print(f"gateway stopped on SIGTERM: {stopped}")


async def settle(database: Database, t: Tally, timeout: float = 120) -> dict[str, int]:
    def count(conn: Any) -> dict[str, int]:
        stored_ids = {
            # email's key is UIDVALIDITY:UID (one mailbox here); the others end in the client's id
            f"email-{key.rsplit(':', 1)[-1]}" if channel == "email" else key.rsplit(":", 1)[-1]
            for channel, key in conn.execute(sa.select(messages.c.channel, messages.c.external_id))
        }
        pending = conn.scalar(
            sa.select(sa.func.count()).where(messages.c.stage.notin_(("done", "parked")))
        )
        unsent_mail = conn.scalar(
            sa.select(sa.func.count()).where(
                outbox.c.channel == "email", outbox.c.status.in_(("pending", "sending"))
            )
        )
        per_message = sa.select(outbox.c.message_id, sa.func.count().label("n")).where(
            outbox.c.kind == "acknowledgement"
        )
        dup_acks = conn.scalar(
            sa.select(sa.func.count()).select_from(
                per_message.group_by(outbox.c.message_id).having(sa.func.count() > 1).subquery()
            )
        )
        per_conversation = sa.select(tickets.c.conversation_id).group_by(tickets.c.conversation_id)
        dup_tickets = conn.scalar(
            sa.select(sa.func.count()).select_from(
                per_conversation.having(sa.func.count() > 1).subquery()
            )
        )
        return {
            "stored": len(t.acked & stored_ids),
            "lost": len(t.acked - stored_ids),
            "duplicated tickets": int(dup_tickets or 0),
            "duplicate acknowledgements": int(dup_acks or 0),
            "still in the pipeline": int(pending or 0),
            "email answers not yet sent": int(unsent_mail or 0),
        }

    deadline = time.monotonic() + timeout
    while True:
        figures = await database.read(count)
        settled = not figures["still in the pipeline"] and not figures["email answers not yet sent"]
        if settled or time.monotonic() > deadline:
            return figures
        await asyncio.sleep(1)


if __name__ == "__main__":
    asyncio.run(main())
