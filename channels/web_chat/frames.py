"""The frames a customer's chat socket sends, as pydantic models: one per `type`, read as a
discriminated union, so a frame that fits none gets one error frame naming the problem
(`{"type": "error", "error": {"code", "message", "details"}}`) and the socket stays open.

Codes: `unknown_type` (no or another `type`), `invalid_message` (a message's text),
`invalid_attachment` (its attachments), `invalid_frame` (any other field).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from gateway.problems import where

#: What a profile field keeps of what a site sends (a name, an order number).
PROFILE_CHARS = 200


class _Frame(BaseModel):
    # Fields a newer widget may add are ignored, so an older gateway still talks to it.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Hello(_Frame):
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


class Message(_Frame):
    type: Literal["message"]
    text: str = ""
    id: str | int | None = Field(None, description="the client's id: a resend is one message")
    attachments: list[Any] | None = None  # checked against the uploads by `ChatUploads`


class Ping(_Frame):
    type: Literal["ping"]


Frame = Annotated[Hello | Message | Ping, Field(discriminator="type")]
_FRAME: TypeAdapter[Frame] = TypeAdapter(Frame)
_CODES = {"text": "invalid_message", "attachments": "invalid_attachment"}


class FrameError(Exception):
    def __init__(self, code: str, message: str, details: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def frame(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, "details": self.details}
        return {"type": "error", "error": error}


def read_frame(data: dict[str, Any]) -> Frame:
    """The frame as its model; raises `FrameError` with the contract's code otherwise."""
    try:
        return _FRAME.validate_python(data)
    except ValidationError as exc:
        raise _refusal(exc) from None


def _refusal(exc: ValidationError) -> FrameError:
    errors = exc.errors(include_url=False, include_input=False)
    if errors[0]["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return FrameError("unknown_type", "type must be hello, resume, message or ping", [])
    # A location is (the frame's type, the field, ...); past the field it may name a
    # union's branch ("id.str"), which says nothing to a widget's author: one problem a field.
    by_field: dict[str, str] = {}
    for error in errors:
        by_field.setdefault(where(error["loc"][1:2], "frame"), error["msg"])
    details = [{"field": field, "problem": problem} for field, problem in by_field.items()]
    field, problem = next(iter(by_field.items()))
    return FrameError(_CODES.get(field, "invalid_frame"), f"{field}: {problem}", details)
