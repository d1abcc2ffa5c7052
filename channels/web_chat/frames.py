"""The frames a customer's chat socket sends, as pydantic models: one per `type`, read as a
discriminated union (`gateway.web.frames`). Error codes: `unknown_type` (no or another
`type`), `invalid_message` (a message's text), `invalid_attachment` (its attachments),
`invalid_frame` (any other field).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from gateway.web.frames import FrameModel, FrameReader

#: What a profile field keeps of what a site sends (a name, an order number).
PROFILE_CHARS = 200


class Hello(FrameModel):
    """`hello` (or `resume`): opens or resumes the session and says who is writing."""

    type: Literal["hello", "resume"]  # "resume" reads better in clients that only reconnect
    session: str | None = None
    after: int | None = Field(None, ge=0, description="resend every reply after this one")
    name: str | None = None
    email: str | None = None
    language: str | None = None
    order: str | None = None
    identity: dict[str, Any] | None = None  # checked by `guard.verified_customer`

    def profile(self) -> dict[str, str]:
        """The non-empty profile fields, each cut to PROFILE_CHARS."""
        fields = {"name": self.name, "email": self.email}
        fields |= {"language": self.language, "order": self.order}
        return {k: v[:PROFILE_CHARS] for k, v in fields.items() if v is not None and v.strip()}


class Message(FrameModel):
    type: Literal["message"]
    text: str = ""
    id: str | int | None = Field(None, description="the client's id: a resend is one message")
    attachments: list[Any] | None = None  # checked against the uploads by `ChatUploads`


class Shown(FrameModel):
    """`shown`: the reply `id` is on the customer's screen (its delivery receipt)."""

    type: Literal["shown"]
    id: int = Field(ge=0, lt=2**63, description="the reply frame's id")


class Ping(FrameModel):
    type: Literal["ping"]


Frame = Annotated[Hello | Message | Shown | Ping, Field(discriminator="type")]
FRAMES: FrameReader[Frame] = FrameReader(
    Frame,
    "hello, resume, message, shown or ping",
    {"text": "invalid_message", "attachments": "invalid_attachment"},
)
