"""Staff consoles: presence, and a websocket that pushes what concerns each member.

Every process tails the `notifications` table and fans new rows out to its own sockets,
so a push reaches a supervisor whichever process took the step that caused it, with no
broker, and a notification written by a crashed process is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, tzinfo
from typing import Annotated, Any, Literal

from aiohttp import WSMsgType, web
from pydantic import BaseModel, Field

from gateway.db.engine import Database
from gateway.store.staff import StaffMember, staff_for_token
from gateway.tasks import running
from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.frames import FrameError, FrameModel, FrameReader
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, authenticate, bearer_token, requires_role
from gateway.web.openapi import accepts
from gateway.web.query import CURSOR_MAX, Query, read_query
from gateway.web.responses import json_response
from handoff.keys import DESK
from handoff.policy import notify, routing

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: How far back a console with no last visit looks, in notifications of everyone.
RECENT_NOTIFICATIONS = 5000


class Presence(BaseModel):
    status: str


class ConsoleHub:
    """The staff sockets of this process and the tail that feeds them."""

    def __init__(self, database: Database, poll_seconds: float = 0.5, zone: tzinfo = UTC) -> None:
        self._db = database
        self._poll = poll_seconds
        self._zone = zone
        self._sockets: dict[web.WebSocketResponse, StaffMember] = {}

    def add(self, socket: web.WebSocketResponse, member: StaffMember) -> None:
        self._sockets[socket] = member

    def remove(self, socket: web.WebSocketResponse) -> None:
        self._sockets.pop(socket, None)

    async def tail(self) -> None:
        last = await self._db.read(notify.newest_id)
        while True:
            try:
                rows = await self._db.read(notify.since, last)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading staff notifications failed; retrying")
                rows = []
            for row in rows:
                last = int(row.id)
                await self._deliver(row)
            await asyncio.sleep(self._poll)

    async def _deliver(self, row: Any) -> None:
        frame = notification_frame(row, self._zone)
        for socket, member in list(self._sockets.items()):
            if _concerns(row.audience, member) and not socket.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await socket.send_json(frame)

    async def close_all(self, _app: web.Application) -> None:
        for socket in list(self._sockets):
            await socket.close()


def notification_frame(row: Any, zone: tzinfo) -> dict[str, Any]:
    """A notification as consoles get it, its time in the business time zone."""
    return {
        "type": row.type,
        "id": row.id,
        "audience": row.audience,
        "data": row.data,
        "at": row.created_at.astimezone(zone).isoformat(),
    }


def _concerns(audience: str, member: StaffMember) -> bool:
    if member.role in ("admin", "supervisor"):
        return True  # supervisors watch everything, including each agent's assignments
    return audience == notify.agent_audience(member.name)


HUB = web.AppKey("console_hub", ConsoleHub)


async def run_hub(app: web.Application) -> AsyncIterator[None]:
    async with running({"staff-console-tail": app[HUB].tail()}):
        yield


class StaffPing(FrameModel):
    type: Literal["ping"]


STAFF_FRAMES: FrameReader[StaffPing] = FrameReader(
    Annotated[StaffPing, Field(discriminator="type")], "ping"
)


class SocketQuery(Query):
    token: str = Field("", description="a staff API token, for clients that cannot send headers")


@routes.get("/ws/staff")
@accepts(query=SocketQuery)
async def staff_socket(request: web.Request) -> web.StreamResponse:
    """Pushes notifications as JSON frames. The console signs in with its session cookie;
    integrations send `Authorization: Bearer` or, as browsers cannot set headers on a
    websocket, `?token=`."""
    member = await _socket_member(request)
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    hub = request.app[HUB]
    hub.add(socket, member)
    try:
        await socket.send_json({"type": "hello", "staff": member.name, "role": member.role})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            if frame.data == "ping":  # the bare keep-alive of early consoles
                await socket.send_str("pong")
                continue
            try:
                STAFF_FRAMES.parse(frame.data)  # a ping: the only frame a console sends
            except FrameError as exc:
                await socket.send_json(exc.frame())
            else:
                await socket.send_json({"type": "pong"})
    finally:
        hub.remove(socket)
    return socket


async def _socket_member(request: web.Request) -> StaffMember:
    token = bearer_token(request) or read_query(request, SocketQuery).token
    if token:
        member = await request.app[DATABASE].read(staff_for_token, token)
        if member is None:
            raise ApiError(401, "unauthorized", "unknown or disabled token")
        return member
    # A cookie rides along on any page's websocket: only this origin's pages may use it.
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise ApiError(403, "forbidden", "the staff socket is for this origin's console")
    return await authenticate(request)


class NotificationsQuery(Query):
    after: int = Field(0, ge=0, le=CURSOR_MAX, description="the newest notification seen")
    limit: int = Field(100, ge=1, le=500)


@routes.get("/api/v1/notifications")
@requires_role("agent", "supervisor")
@accepts(query=NotificationsQuery)
async def list_notifications(request: web.Request) -> web.Response:
    """What concerned the member after notification `after` (the newest they saw on their
    last visit), oldest first: the newest `limit` of them, in the socket's frame shape,
    as `{"notifications": [...], "newest": ID}`. Without `after`, the recent ones."""
    database = request.app[DATABASE]
    newest = await database.read(notify.newest_id)
    query = read_query(request, NotificationsQuery)
    after = query.after or max(0, newest - RECENT_NOTIFICATIONS)
    limit = query.limit
    member, zone = request[STAFF], request.app[SETTINGS].zone
    frames: list[dict[str, Any]] = []
    while after < newest:
        rows = await database.read(notify.since, after, 500)
        if not rows:
            break
        after = int(rows[-1].id)
        frames += [notification_frame(r, zone) for r in rows if _concerns(r.audience, member)]
        frames = frames[-limit:]
    return json_response({"notifications": frames, "newest": newest})


@routes.put("/api/v1/agents/me/presence")
@requires_role("agent", "supervisor")
@accepts(Presence)
async def put_presence(request: web.Request) -> web.Response:
    """`{"status": "online" | "away" | "offline"}`; coming online hands out queued tickets."""
    body = await read_json(request, Presence)
    if body.status not in routing.PRESENCE_STATES:
        raise ApiError(422, "validation_error", f"status must be one of {routing.PRESENCE_STATES}")
    desk, name, now = request.app[DESK], request[STAFF].name, request.app[CLOCK]()

    def apply(conn: Any) -> int:
        routing.set_presence(conn, name, body.status, now)
        if body.status != "online":
            return 0
        return routing.drain_queue(conn, desk.policy(conn)[0], now)

    assigned = await request.app[DATABASE].write(apply)
    return json_response({"name": name, "status": body.status, "assigned": assigned})


@routes.get("/api/v1/agents/me")
@requires_role("agent", "supervisor")
async def whoami(request: web.Request) -> web.Response:
    """The staff member behind the token, with their presence."""
    member = request[STAFF]
    present = await request.app[DATABASE].read(routing.presence)
    return json_response(
        {"name": member.name, "role": member.role, "presence": present.get(member.name, "offline")}
    )


@routes.get("/api/v1/agents")
@requires_role("agent", "supervisor")
async def list_agents(request: web.Request) -> web.Response:
    """Each agent of the policy with presence, load and capacity."""
    desk = request.app[DESK]

    def read(conn: Any) -> list[dict[str, Any]]:
        policy = desk.policy(conn)[0]
        present = routing.presence(conn)
        load = routing.loads(conn, [a.name for a in policy.agents])
        return [
            {
                "name": agent.name,
                "department": agent.department,
                "languages": agent.languages,
                "capacity": agent.capacity,
                "open_tickets": load.get(agent.name, 0),
                "presence": present.get(agent.name, "offline"),
            }
            for agent in policy.agents
        ]

    return json_response({"agents": await request.app[DATABASE].read(read)})
