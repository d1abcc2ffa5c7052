"""Websocket frames read through pydantic models: a socket's frames are a union on `type`,
and one that fits none becomes one error frame naming the problem,
`{"type": "error", "error": {"code", "message", "details"}}`, while the socket stays open.
The web chat and the staff socket read theirs this way."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from gateway import bounds
from gateway.problems import where

T = TypeVar("T")


class FrameModel(BaseModel):
    # Fields a newer client may add are ignored, so an older gateway still talks to it.
    model_config = ConfigDict(extra="ignore", frozen=True)


class FrameError(Exception):
    def __init__(self, code: str, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or []

    def frame(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, "details": self.details}
        return {"type": "error", "error": error}


class FrameReader(Generic[T]):
    """Reads one socket's frames: `frame_type` is the union of its models, discriminated on
    `type` (`Annotated[A | B, Field(discriminator="type")]`; a union of one model works too),
    `types` how an error names the types it knows, and `codes` the error code for a field
    (`invalid_frame` for the others)."""

    def __init__(self, frame_type: Any, types: str, codes: dict[str, str] | None = None) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(frame_type)
        self._types = types
        self._codes = codes or {}

    def parse(self, text: str) -> T:
        """The frame's JSON (bounded by `gateway.bounds`) as its model; raises `FrameError`."""
        try:
            data = bounds.loads(text)
        except bounds.Refusal as exc:
            raise FrameError(exc.code, f"frame: {exc.message}") from None
        if not isinstance(data, dict):
            raise FrameError("invalid_json", "a frame must be a JSON object with a type")
        return self.validate(data)

    def validate(self, data: dict[str, Any]) -> T:
        try:
            return self._adapter.validate_python(data)
        except ValidationError as exc:
            raise self._refusal(exc) from None

    def _refusal(self, exc: ValidationError) -> FrameError:
        errors = exc.errors(include_url=False, include_input=False)
        if errors[0]["type"] in ("union_tag_invalid", "union_tag_not_found"):
            return FrameError("unknown_type", f"type must be {self._types}")
        # A location is (the frame's type, the field, ...); past the field it may name a
        # union's branch ("id.str"), which says nothing to a client's author: one problem
        # a field.
        by_field: dict[str, str] = {}
        for error in errors:
            by_field.setdefault(where(error["loc"][1:2], "frame"), error["msg"])
        details = [{"field": field, "problem": problem} for field, problem in by_field.items()]
        field, problem = next(iter(by_field.items()))
        return FrameError(self._codes.get(field, "invalid_frame"), f"{field}: {problem}", details)
