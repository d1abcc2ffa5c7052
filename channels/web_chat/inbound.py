"""`GET /ws/chat`: customer frames in, stored before they are acknowledged.

Frames from the customer: `{"type": "hello", "session": TOKEN?, "name"?, "email"?,
"language"?, "order"?, "identity"?: {"id", "expires", "signature"}}` (optional, first;
`"resume"` is the same frame; see `guard` for the identity),
`{"type": "message", "text": "...", "id": CLIENT_ID?, "attachments"?: [{"sha256",
"filename"}]}` (files uploaded first, see `uploads`) and `{"type": "ping"}`.
The gateway answers `session` (with `agents_online`), `received` (the message is stored),
`reply` (with `author`: "bot" or the agent's name), `typing` (an agent is writing), `pong`
and `error` frames. The session token comes back in the `session` frame and a cookie;
presenting it again (query `?session=`, the cookie, or a `hello` frame) resumes the
conversation and delivers what was kept while the customer was away; `after` (in the
`hello` frame, or in the query when the token comes with the handshake) names the last
reply the client shows, and every later one is sent again. A handshake from a
site not in `GATEWAY_WEB_CHAT_ORIGINS` is refused with 403 before any frame.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import Field

from gateway import bounds
from gateway.channels import ChannelContext
from gateway.messages import InboundMessage, Sender
from gateway.store import outbox as outbox_rows
from gateway.web.frames import FrameError
from gateway.web.keys import RATE_LIMITER
from gateway.web.openapi import accepts
from gateway.web.query import Query, read_query
from gateway.web.rate_limit import RateLimited

from . import CHANNEL
from .frames import FRAMES, Frame, Hello, Message, Shown
from .guard import origin_allowed, verified_customer
from .outbound import reply_frame
from .replay import sent_after
from .sessions import ChatSessions, conversation_key, is_session_token, new_session_token
from .uploads import ChatUploads

log = logging.getLogger(__name__)

COOKIE = "cgw_chat_session"
MAX_TEXT_CHARS = 20_000


class ChatQuery(Query):
    session: str | None = Field(None, description="the session token to resume")
    after: int | None = Field(
        None, ge=0, lt=2**63, description="a resumed chat: resend every reply after this one"
    )


class WebChatInput:
    def __init__(
        self, context: ChannelContext, sessions: ChatSessions, uploads: ChatUploads
    ) -> None:
        self._intake = context.intake
        self._db = context.database
        self._tickets = context.tickets
        self._outbox = context.outbox
        self._clock = context.clock
        self._metrics = context.metrics
        self._sessions = sessions
        self._uploads = uploads
        self._max_frame = context.settings.max_body_bytes
        self._origins = context.settings.web_chat_origins
        secret = context.settings.web_chat_identity_secret
        self._identity_secret = secret.get_secret_value() if secret else None

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.get("/ws/chat")(self.chat)
        return routes

    @accepts(query=ChatQuery)
    async def chat(self, request: web.Request) -> web.WebSocketResponse:
        """The customer's chat socket; `?session=` (or the cookie) resumes a session."""
        if not origin_allowed(request, self._origins):
            raise web.HTTPForbidden(
                text='{"error": {"code": "origin_refused", "message": "this site may not '
                'embed the chat (GATEWAY_WEB_CHAT_ORIGINS)"}}',
                content_type="application/json",
            )
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=self._max_frame)
        query = read_query(request, ChatQuery)
        offered = query.session or request.cookies.get(COOKIE)
        token = offered if is_session_token(offered) else None
        limiter = request.app[RATE_LIMITER]
        if token is None:  # a resumed session is not a new one
            await limiter.enforce(limiter.chat_sessions, request)  # 429 before the upgrade
        # A new visitor's token is chosen now so the handshake can set the cookie; a
        # `hello` frame carrying an earlier token still wins.
        provisional = new_session_token()
        ws.set_cookie(
            COOKIE, token or provisional, httponly=True, samesite="Lax", max_age=30 * 86400
        )
        profile: dict[str, Any] = {}
        await ws.prepare(request)
        if token is not None:
            # A browser resumes by its cookie before any frame: its `hello` comes too late
            # to name the last reply it shows, so the widget puts that in the query.
            await self._open(ws, token, resumed=True, after=query.after)
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    if frame.type == WSMsgType.BINARY:
                        await _error(ws, "unsupported_frame", "send JSON text frames")
                    continue
                try:
                    data = bounds.loads(frame.data)
                except bounds.Refusal as exc:
                    await _error(ws, exc.code, f"frame: {exc.message}")
                    continue
                if not isinstance(data, dict):
                    await _error(ws, "invalid_json", "a frame must be a JSON object with a type")
                    continue
                try:
                    parsed: Frame | None = FRAMES.validate(data)
                except FrameError as exc:
                    parsed, refusal = None, exc
                if token is None:  # the first object frame opens the session, whatever it is
                    wanted = parsed.session if isinstance(parsed, Hello) else None
                    resumed = is_session_token(wanted)
                    token = str(wanted) if resumed else provisional
                    after = parsed.after if isinstance(parsed, Hello) and resumed else None
                    await self._open(ws, token, resumed=resumed, after=after)
                if parsed is None:
                    await ws.send_json(refusal.frame())
                elif isinstance(parsed, Hello):
                    profile = await self._greet(ws, parsed)
                elif isinstance(parsed, Message):
                    try:
                        await limiter.enforce(
                            limiter.chat_messages, request, key=conversation_key(token)
                        )
                    except RateLimited as exc:
                        await ws.send_json(exc.frame())
                        continue
                    await self._message(ws, token, parsed, profile)
                elif isinstance(parsed, Shown):
                    await self._db.write(
                        outbox_rows.mark_delivered,
                        parsed.id,
                        CHANNEL.name,
                        conversation_key(token),
                        self._clock(),
                    )
                else:
                    await ws.send_json({"type": "pong"})
        finally:
            if token is not None:
                self._sessions.remove(conversation_key(token), ws)
        return ws

    async def _open(
        self, ws: web.WebSocketResponse, token: str, *, resumed: bool, after: int | None = None
    ) -> None:
        key = conversation_key(token)
        self._sessions.add(key, ws)
        # Whether anyone could answer now: if not, the widget asks for an email address.
        try:
            online: bool | None = await self._db.read(self._tickets.agents_online)
        except Exception:  # a database outage must not cost the customer the chat
            online = None
        await ws.send_json(
            {
                "type": "session",
                "session": token,
                "resumed": resumed,
                "agents_online": online,
                "attachment_max_bytes": self._uploads.max_bytes,
            }
        )
        if after is not None:
            # Sent again before the parked ones are released, so the page gets them in order.
            for missed in await self._db.read(sent_after, self._tickets, key, after):
                await ws.send_json(reply_frame(missed))
        await self._outbox.release(CHANNEL.name, key)

    async def _greet(self, ws: web.WebSocketResponse, hello: Hello) -> dict[str, Any]:
        profile: dict[str, Any] = hello.profile()
        if hello.identity is not None:
            customer = verified_customer(self._identity_secret, hello.identity)
            if customer is None:
                await _error(ws, "identity_refused", "the identity signature is wrong or expired")
            else:
                profile["customer"] = customer
        return profile

    async def _message(
        self, ws: web.WebSocketResponse, token: str, frame: Message, profile: dict[str, Any]
    ) -> None:
        text = frame.text
        attachments = self._uploads.attachments(frame.attachments)
        if attachments is None:
            await _error(
                ws, "invalid_attachment", "attachments must name files uploaded to this chat"
            )
            return
        if not (text.strip() or attachments):
            await _error(ws, "invalid_message", "text must be a non-empty string")
            return
        if len(text) > MAX_TEXT_CHARS:
            await _error(ws, "message_too_long", f"at most {MAX_TEXT_CHARS} characters")
            return
        client_id = frame.id
        key = conversation_key(token)
        # A long client id is hashed, never cut: two ids sharing a prefix stay two messages.
        external_id = (
            bounds.long_key(key[:24], str(client_id))
            if isinstance(client_id, str | int) and str(client_id).strip()
            else uuid.uuid4().hex
        )
        message = InboundMessage(
            channel=CHANNEL.name,
            external_id=external_id,
            conversation_key=key,
            # A verified customer is one customer across sessions and devices.
            sender=Sender(
                id=f"site:{profile['customer']}" if "customer" in profile else key,
                name=profile.get("name"),
                email=profile.get("email"),
            ),
            text=text,
            attachments=attachments,
            language_hint=profile.get("language"),
            metadata={k: profile[k] for k in ("order", "customer") if k in profile},
        )
        try:
            message_id, created = await self._intake.accept(message)
        except Exception:
            self._metrics.errors.labels("web_chat_store").inc()
            log.exception("could not store a chat message")
            await _error(ws, "not_stored", "your message was not saved; please send it again")
            return
        await ws.send_json(
            {"type": "received", "id": message_id, "client_id": client_id, "duplicate": not created}
        )


async def _error(ws: web.WebSocketResponse, code: str, message: str) -> None:
    await ws.send_json({"type": "error", "error": {"code": code, "message": message}})
