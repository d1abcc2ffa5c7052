"""`POST /api/v1/messages`: the generic intake route of the contract."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from aiohttp import web
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gateway.bounds import clean_value, is_sane_moment, unreadable_note
from gateway.channels import ChannelContext
from gateway.messages import InboundMessage, Sender
from gateway.store.staff import staff_for_token
from gateway.web.body import read_json_value, validate
from gateway.web.errors import ApiError
from gateway.web.keys import RATE_LIMITER
from gateway.web.middlewares import bearer_token
from gateway.web.openapi import accepts
from gateway.web.query import Query, read_query
from gateway.web.responses import json_response

#: Longer waits are accepted and cut to this: a request should not hold a connection longer.
MAX_WAIT_SECONDS = 60.0


class SenderIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str | None = Field(default=None, min_length=1, max_length=255)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _someone(self) -> SenderIn:
        if not (self.id or self.email or self.phone):
            raise ValueError("sender needs an id, an email or a phone")
        return self


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: str = "api"
    external_id: str = Field(min_length=1, max_length=255)
    sender: SenderIn
    text: str = Field(min_length=1)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=200)
    language: str | None = Field(default=None, max_length=16)
    received_at: AwareDatetime | None = None  # ISO 8601 with its UTC offset

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, channel: str, info: ValidationInfo) -> str:
        names = (info.context or {}).get("channels", ())
        if channel not in names:
            raise ValueError(f"channel must be one of {', '.join(names)}")
        return channel

    @model_validator(mode="after")
    def _not_blank(self) -> MessageIn:
        if not self.text.strip():
            raise ValueError("text must not be blank")
        if self.received_at is not None and not is_sane_moment(self.received_at, datetime.now(UTC)):
            raise ValueError("received_at must lie between 2000-01-01 and tomorrow")
        return self


class IntakeQuery(Query):
    wait: float | None = Field(
        None,
        ge=0,
        le=86_400,
        allow_inf_nan=False,
        description="seconds to wait for the ticket and reply (200) instead of 202 at once",
    )


class ApiInput:
    def __init__(self, context: ChannelContext) -> None:
        self._intake = context.intake
        self._database = context.database
        self._validation = {"channels": context.registry.names}

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.post("/api/v1/messages")(self.post_message)
        return routes

    @accepts(MessageIn, query=IntakeQuery)
    async def post_message(self, request: web.Request) -> web.Response:
        limiter = request.app[RATE_LIMITER]
        await limiter.enforce(limiter.intake, request)
        wait = read_query(request, IntakeQuery).wait
        data, replaced = clean_value(await read_json_value(request, clean=False))
        body = validate(MessageIn, data, context=self._validation)
        by_staff = await self._entered_by_staff(request)
        if body.received_at is not None and not by_staff:
            # Back-dating moves deadlines and figures: only staff entering a phone call or a
            # walk-in complaint after the fact may say when it was received.
            raise ApiError(401, "unauthorized", "received_at may only be set with a staff token")
        message = _to_inbound(body, verified=by_staff)
        if replaced:  # kept, with a note, rather than refusing the customer's complaint
            message = replace(message, notes=(*message.notes, unreadable_note(replaced)))
        message_id, _created = await self._intake.accept(message)
        if wait is None:
            return json_response({"id": message_id}, status=202)
        await self._intake.wait_processed(message_id, min(wait, MAX_WAIT_SECONDS))
        return json_response(await self._intake.result(message_id), status=200)

    async def _entered_by_staff(self, request: web.Request) -> bool:
        """A complaint staff typed in (a phone call, a walk-in) carries contact details they
        checked with the customer: those count as verified."""
        token = bearer_token(request)
        if token is None:
            return False
        return await self._database.read(staff_for_token, token) is not None


def conversation_key(channel: str, external_id: str) -> str:
    """A message from an integration without a conversation of its own is one by itself."""
    return f"{channel}:{external_id}"


def _to_inbound(body: MessageIn, *, verified: bool) -> InboundMessage:
    sender_id = body.sender.id or str(body.sender.email or body.sender.phone)
    return InboundMessage(
        channel=body.channel,
        external_id=body.external_id,
        conversation_key=body.conversation_id or conversation_key(body.channel, body.external_id),
        sender=Sender(
            id=sender_id,
            name=body.sender.name,
            email=str(body.sender.email) if body.sender.email else None,
            phone=body.sender.phone,
        ),
        text=body.text,
        received_at=body.received_at or datetime.now(UTC),
        language_hint=body.language,
        metadata={"verified": ["email", "phone"]} if verified else {},
    )
