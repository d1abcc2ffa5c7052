"""What the customer may know of the staff side: is anyone online, and is an agent typing.

Neither is stored: a typing signal is pushed to the customer's open sockets and forgotten,
and a customer who is not connected at that moment simply never sees it. The signal goes
over the event bus, so the process holding the customer's socket shows it, whichever
process the agent's request reached.
"""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import Connection

from gateway.db.engine import Database
from gateway.db.schema import conversations
from gateway.events import AgentTyping, EventBus
from gateway.ports import TicketIndex
from gateway.web.errors import ApiError
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response

from .sessions import ChatSessions

CHANNEL = "web_chat"


def _chat_of(conn: Connection, tickets: TicketIndex, number: str) -> tuple[bool, str | None]:
    """Whether the ticket exists, and its web chat conversation key if it came by chat."""
    owner = tickets.owner(conn, number)
    if owner is None:
        return False, None
    row = conn.execute(
        sa.select(conversations.c.channel, conversations.c.conversation_key).where(
            conversations.c.id == owner.conversation_id
        )
    ).one()
    return True, row.conversation_key if row.channel == CHANNEL else None


class TypingSignal:
    """`POST /api/v1/tickets/{number}/typing` (staff): "the agent is typing" to the customer."""

    def __init__(
        self, database: Database, sessions: ChatSessions, tickets: TicketIndex, events: EventBus
    ) -> None:
        self._db = database
        self._sessions = sessions
        self._tickets = tickets
        self._events = events
        events.subscribe(self.show, AgentTyping)

    def routes(self) -> web.RouteTableDef:
        @requires_role("agent", "supervisor")
        async def typing(request: web.Request) -> web.Response:
            return await self.typing(request)  # the role mark needs a function, not a method

        routes = web.RouteTableDef()
        routes.post("/api/v1/tickets/{number}/typing")(typing)
        return routes

    async def typing(self, request: web.Request) -> web.Response:
        found, key = await self._db.read(_chat_of, self._tickets, request.match_info["number"])
        if not found:
            raise ApiError(404, "not_found", "no such ticket")
        if key is None:
            return json_response({"shown": 0}, status=202)
        shown = len(self._sessions.open_sockets(key))  # here; other processes show theirs
        await self._events.publish(
            AgentTyping(channel=CHANNEL, conversation_key=key, author=request[STAFF].name)
        )
        return json_response({"shown": shown}, status=202)

    async def show(self, event: AgentTyping) -> None:
        """Pushes the signal to the customer's sockets this process holds."""
        if event.channel != CHANNEL:
            return
        frame = {"type": "typing", "author": event.author}
        for ws in self._sessions.open_sockets(event.conversation_key):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(frame)
