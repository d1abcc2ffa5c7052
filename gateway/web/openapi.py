"""`GET /openapi.json`: an OpenAPI 3.1 description of every route the application serves.

It is built from the router itself (so a route cannot be left out), the staff roles each
handler requires (`requires_role`), and the pydantic models each handler validates its body
and its query with, named once by `@accepts(Model, query=QueryModel)` beside the handler.
OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what pydantic emits, so the models are
used as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from gateway.web.query import Query
from gateway.web.query import parameters as query_parameters
from gateway.web.responses import json_response

routes = web.RouteTableDef()

_MODEL_ATTR = "__request_model__"
_QUERY_ATTR = "__query_model__"
_ROLES_ATTR = "__staff_roles__"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
                "retry_after": {"type": "integer"},
            },
        }
    },
}


def accepts(
    model: type[BaseModel] | None = None, *, query: type[Query] | None = None
) -> Callable[[HandlerT], HandlerT]:
    """Names the model a handler validates its JSON body with, and the one it reads its
    query with (`gateway.web.query.read_query`), for the description."""

    def mark(handler: HandlerT) -> HandlerT:
        if model is not None:
            setattr(handler, _MODEL_ATTR, model)
        if query is not None:
            setattr(handler, _QUERY_ATTR, query)
        return handler

    return mark


def describe(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document of `app`'s routes."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for route in app.router.routes():
        if route.method in ("HEAD", "*"):
            continue
        path = _path_of(route)
        if path is None:
            continue
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, path, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Complaint gateway", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """This description."""
    return json_response(describe(request.app))


def _path_of(route: web.AbstractRoute) -> str | None:
    info = route.get_info()
    if "path" in info:
        return str(info["path"])
    if "formatter" in info:
        return _PARAM.sub(r"{\1}", str(info["formatter"]))
    if "prefix" in info:  # a static folder
        return str(info["prefix"]).rstrip("/") + "/{filename}"
    return None


def _operation(route: web.AbstractRoute, path: str, schemas: dict[str, Any]) -> dict[str, Any]:
    handler = route.handler
    doc = (getattr(handler, "__doc__", None) or "").strip().splitlines()
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}",
        "responses": {
            "200": {"description": "success"},
            "4XX": _error("bad input, in the contract's error shape"),
        },
    }
    if doc and doc[0]:
        operation["summary"] = doc[0]
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    query: type[Query] | None = getattr(handler, _QUERY_ATTR, None)
    if query is not None:
        parameters += query_parameters(query)
    if parameters:
        operation["parameters"] = parameters
    roles = getattr(handler, _ROLES_ATTR, None)
    if roles is not None:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = sorted(roles)
        operation["responses"]["401"] = _error("no valid staff token")
        operation["responses"]["403"] = _error("a role not allowed here")
    model: type[BaseModel] | None = getattr(handler, _MODEL_ATTR, None)
    if model is not None:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
        operation["responses"]["422"] = _error("the body does not match the schema")
    return operation


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
