"""Soak run with faults: a complaint flood over the API and web chat, a bad-input barrage,
and the gateway killed with SIGKILL mid-flood and started again. Clients retry what was not
acknowledged, as real ones do, so nothing acknowledged may be lost or doubled.

    python bench/soak.py [--seconds 40] [--database-url URL] [--models DATA/models]

Prints sent, stored, lost, duplicated tickets, duplicate acknowledgements, 5xx and the
gateway's peak RSS, one line each. Not part of the suite (the tests cover each fault alone).
SMTP and Redis outages are not injected yet: the email channel and Redis need their peers.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from _harness import peak_rss_mb  # noqa: E402

from gateway.db.engine import Database  # noqa: E402
from gateway.db.schema import messages, outbox  # noqa: E402
from handoff.schema import tickets  # noqa: E402
from tests.gateway.processes import free_port, start_gateway, wait_healthy  # noqa: E402

BAD_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b"[" * 5000 + b"]" * 5000, {}),
    (b'{"text": ' + b"9" * 5000 + b"}", {}),
    (gzip.compress(b'{"text": "' + b"a" * 20_000_000 + b'"}'), {"Content-Encoding": "gzip"}),
    (b'{"external_id": "x", "sender": {"id": "c"}, "text": "a\\u0000b\\ud800"}', {}),
    (b'{"external_id": "y", "sender": {"id": "c"}, "text": "t", "received_at": "0001-01-01"}', {}),
    (b"\xff\xfe", {}),
    (b'{"text": "x"}', {"Content-Encoding": "br"}),
]
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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--models", type=Path, help="a trained models/ folder to reuse")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    if args.models:
        shutil.copytree(args.models, data_dir / "models")
    database_url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}"
    env = {"GATEWAY_DATABASE_URL": database_url}  # loopback is exempt from rate limits
    port = free_port()
    run = uuid.uuid4().hex[:6]
    state: dict[str, Any] = {"proc": start_gateway(data_dir, port, **env), "rss": 0.0}
    base = f"http://127.0.0.1:{port}"
    t = Tally()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await wait_healthy(http, base, state["proc"], timeout=300)  # may train a first model
        print(f"gateway up on {base}; flooding for {args.seconds:g}s", file=sys.stderr)
        stop = time.monotonic() + args.seconds

        async def flood(kind: Any, offset: int) -> None:
            n = offset
            while time.monotonic() < stop:
                await asyncio.gather(*(kind(http, lambda: base, run, n + i, t) for i in range(8)))
                n += 8

        async def killer() -> None:
            await asyncio.sleep(args.seconds / 3)
            state["rss"] = max(state["rss"], peak_rss_mb(state["proc"].pid))
            state["proc"].send_signal(signal.SIGKILL)
            state["proc"].wait()
            print("SIGKILL sent; restarting", file=sys.stderr)
            state["proc"] = start_gateway(data_dir, port, **env)
            await wait_healthy(http, base, state["proc"])

        await asyncio.gather(
            flood(api_client, 0), flood(chat_client, 10**6), barrage(http, lambda: base, t, stop),
            killer(),
        )  # fmt: skip
        print("flood over; waiting for the pipeline to settle", file=sys.stderr)
        database = Database(database_url)
        figures = await settle(database, t)
        state["rss"] = max(state["rss"], peak_rss_mb(state["proc"].pid))
        await database.dispose()
    state["proc"].terminate()
    state["proc"].wait(30)
    print(f"sent (acknowledged): {len(t.acked)}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"bad inputs sent: {t.bad_sent}")
    print(f"5xx answers (other than 503 retry): {t.errors_5xx}")
    print(f"peak RSS MB: {state['rss']:.0f}")


async def settle(database: Database, t: Tally, timeout: float = 60) -> dict[str, int]:
    def count(conn: Any) -> dict[str, int]:
        stored_ids = {e.rsplit(":", 1)[-1] for e in conn.scalars(sa.select(messages.c.external_id))}
        pending = conn.scalar(
            sa.select(sa.func.count()).where(messages.c.stage.notin_(("done", "parked")))
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
        }

    deadline = time.monotonic() + timeout
    while True:
        figures = await database.read(count)
        if not figures["still in the pipeline"] or time.monotonic() > deadline:
            return figures
        await asyncio.sleep(1)


if __name__ == "__main__":
    asyncio.run(main())
