"""How an event travels between processes (Redis pub/sub, PostgreSQL NOTIFY): JSON with the
sending process's name, so a process skips what it sent itself."""

from __future__ import annotations

import json
import logging
import os
import socket

from gateway.events.base import Event

log = logging.getLogger(__name__)


def this_process() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def seal(origin: str, event: Event) -> str:
    return json.dumps({"origin": origin, "event": event.to_dict()}, ensure_ascii=False)


def open_envelope(data: str | bytes, origin: str) -> Event | None:
    """The event in `data`; None for one this process sent, or one it cannot read."""
    try:
        payload = json.loads(data)
        if payload.get("origin") == origin:
            return None
        return Event.from_dict(payload["event"])
    except Exception as exc:  # another version's event, or junk: never stop listening
        log.warning("an event from another process could not be read: %s", exc)
        return None
