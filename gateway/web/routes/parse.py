"""`POST /model/parse`: the NLU in Rasa's shape, plus language and urgency."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from gateway.web.body import read_json
from gateway.web.keys import NLU
from gateway.web.middlewares import requires_role
from gateway.web.openapi import accepts
from gateway.web.responses import json_response

routes = web.RouteTableDef()


class ParseIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    text: str


@routes.post("/model/parse")
@accepts(ParseIn)
async def parse(request: web.Request) -> web.Response:
    body = await read_json(request, ParseIn)
    result = await request.app[NLU].parse(body.text)
    return json_response(result.to_dict())


@routes.post("/api/v1/admin/nlu/reload")
@requires_role("admin")
async def reload_model(request: web.Request) -> web.Response:
    """Switches to the newest trained model without dropping a message."""
    service = request.app[NLU]
    swapped = service.reload()
    return json_response({"reloaded": swapped, "model_version": service.model_version})
