"""Which websockets are open for which chat session, in this process."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from typing import TypeGuard

from aiohttp import WSCloseCode, web

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def is_session_token(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _TOKEN_SHAPE.fullmatch(value) is not None


def conversation_key(token: str) -> str:
    """The conversation's key is the token's hash: the database never holds the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


class ChatSessions:
    def __init__(self) -> None:
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    def add(self, key: str, ws: web.WebSocketResponse) -> None:
        self._sockets[key].add(ws)

    def remove(self, key: str, ws: web.WebSocketResponse) -> None:
        sockets = self._sockets.get(key)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self._sockets[key]

    def open_sockets(self, key: str) -> list[web.WebSocketResponse]:
        return [ws for ws in self._sockets.get(key, ()) if not ws.closed]

    async def close_all(self, _app: web.Application) -> None:
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
