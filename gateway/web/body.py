"""Reading a JSON request body into a validated model, with the contract's errors.

Validation uses pydantic v2: its error list names the field and the problem in words an
integrator can act on, and the same library already validates the settings.
"""

from __future__ import annotations

import zlib
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from gateway.bounds import Refusal, clean_value, loads
from gateway.problems import details, first_problem
from gateway.web.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)
#: Content-Encodings a request body may have.
_DECODED = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
#: zlib's "detect a gzip or zlib header" window bits.
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS


async def read_json(
    request: web.Request, model: type[Model], *, context: dict[str, Any] | None = None
) -> Model:
    """The JSON body validated as `model` (its validators see `context`); 415, 400 or 422
    with details when it is not. NUL and lone surrogates in its strings are replaced (see
    `gateway.bounds`)."""
    return validate(model, await read_json_value(request), context=context)


def validate(model: type[Model], data: Any, *, context: dict[str, Any] | None = None) -> Model:
    """`data` validated as `model`; 422 with details when it is not."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ApiError(422, "validation_error", first_problem(exc), details(exc)) from None


async def read_json_value(request: web.Request, *, clean: bool = True) -> Any:
    """The JSON body as parsed (bounded by `gateway.bounds`), unvalidated; 415 or 400 when
    it is not JSON."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        value = loads(await read_bytes(request))
    except Refusal as exc:
        raise ApiError(400, exc.code, f"body: {exc.message}") from None
    return clean_value(value)[0] if clean else value


async def read_bytes(request: web.Request) -> bytes:
    """The body, decoded from gzip or deflate; at most `client_max_size` bytes both as sent
    and once inflated (413 beyond), so a small bomb never inflates in full; 415 for another
    Content-Encoding. (aiohttp's own decoding is off: see `build_app`.)"""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in _DECODED:
        raise ApiError(415, "unsupported_media_type", "Content-Encoding must be gzip or deflate")
    raw = await request.read()  # aiohttp enforces client_max_size on what was sent (413)
    if encoding in ("", "identity"):
        return raw
    limit = request.client_max_size
    inflater = zlib.decompressobj(wbits=_GZIP_OR_ZLIB if raw[:1] in (b"\x1f", b"\x78") else -15)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ApiError(400, "invalid_encoding", f"body is not valid {encoding}: {exc}") from None
    if len(body) > limit or inflater.unconsumed_tail:
        raise ApiError(413, "payload_too_large", f"body inflates past {limit} bytes")
    if not inflater.eof:
        raise ApiError(400, "invalid_encoding", f"body is truncated {encoding} data")
    return body


async def read_text(request: web.Request) -> str:
    """The body as UTF-8 text; 400 when it is not."""
    raw = await read_bytes(request)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "invalid_utf8", f"body is not valid UTF-8 at byte {exc.start}"
        ) from None
