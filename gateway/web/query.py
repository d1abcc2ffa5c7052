"""Query parameters read through a pydantic model: the model names and bounds a route's
parameters, `read_query` validates them (400 `invalid_query` naming the parameter), and
`@accepts(query=Model)` lists the same fields in /openapi.json, so the description cannot
drift from what is checked. `Page` is the cursor paging every list shares.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.problems import details, first_problem
from gateway.web.errors import ApiError

Q = TypeVar("Q", bound="Query")
#: Cursors are row ids: positive 63-bit integers.
CURSOR_MAX = 2**62


class Query(BaseModel):
    """A route's query parameters. Unknown ones are ignored, as a browser's cache-buster."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Page(Query):
    """`?limit=&before=`: the newest `limit` rows older than the cursor `before` (the
    `next` of the previous page); no `before` starts at the newest."""

    limit: int = Field(50, ge=1, le=500, description="rows on the page")
    before: int = Field(0, ge=0, le=CURSOR_MAX, description="the previous page's `next` cursor")

    @property
    def cursor(self) -> int | None:
        return self.before or None


def read_query(request: web.Request, model: type[Q]) -> Q:
    """The request's query validated as `model`; an empty parameter counts as absent and a
    repeated one by its first value. 400 `invalid_query` with details when it does not fit."""
    data: dict[str, str] = {}
    for key, value in request.query.items():
        if value != "":
            data.setdefault(key, value)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            400, "invalid_query", first_problem(exc, "query"), details(exc, "query")
        ) from None


def parameters(model: type[Query]) -> list[dict[str, Any]]:
    """The model's fields as OpenAPI query parameters (their JSON Schema from pydantic)."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    described = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        field_schema.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field_schema,
        }
        if "description" in field_schema:
            parameter["description"] = field_schema.pop("description")
        described.append(parameter)
    return described
