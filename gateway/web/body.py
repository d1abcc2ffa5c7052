"""Reading a JSON request body into a validated model, with the contract's errors.

Validation uses pydantic v2: its error list names the field and the problem in words an
integrator can act on, and the same library already validates the settings.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from gateway.web.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


async def read_json(
    request: web.Request, model: type[Model], *, context: dict[str, Any] | None = None
) -> Model:
    """The JSON body validated as `model` (its validators see `context`); 415, 400 or 422
    with details when it is not."""
    data = await read_json_value(request)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ApiError(422, "validation_error", _describe(exc), _details(exc)) from None


async def read_json_value(request: web.Request) -> Any:
    """The JSON body as parsed, unvalidated; 415 or 400 when it is not JSON."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return json.loads(await read_text(request))
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"body is not valid JSON: {exc.msg} at {exc.pos}"
        ) from None


async def read_text(request: web.Request) -> str:
    """The body as UTF-8 text; 400 when it is not."""
    raw = await request.read()  # aiohttp enforces client_max_size here (413)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "invalid_utf8", f"body is not valid UTF-8 at byte {exc.start}"
        ) from None


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    value = _query_number(request, name, int, "an integer", low, high)
    return default if value is None else int(value)


def query_float(request: web.Request, name: str, low: float, high: float) -> float | None:
    return _query_number(request, name, float, "a number", low, high)


def _query_number(
    request: web.Request,
    name: str,
    kind: type[int] | type[float],
    described: str,
    low: float,
    high: float,
) -> float | None:
    """The query parameter as a number within [low, high]; None when absent or empty."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise ApiError(400, "invalid_query", f"{name} must be {described}") from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_query", f"{name} must be between {low:g} and {high:g}")
    return value
