"""Administrator routes for reply templates: list, edit with a preview, reset, versions.

Each edit is in the audit log with the text before and after, which is also the template's
version history: rolling back is putting an earlier text again.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.store import audit
from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from handoff.web.admin.templates import (
    SAMPLE_TICKET,
    TemplateFiles,
    TemplateProblem,
    UnknownTemplate,
    check_name,
    render_sample,
)

routes = web.RouteTableDef()
_ROUTE = "/api/v1/admin/templates/{language}/{name}"


class TemplateText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=20_000)


def _files(request: web.Request) -> TemplateFiles:
    return TemplateFiles(request.app[SETTINGS].data_dir / "templates")


def _which(request: web.Request) -> tuple[str, str]:
    language, name = request.match_info["language"], request.match_info["name"]
    try:
        check_name(language, name)
    except UnknownTemplate:
        raise ApiError(404, "not_found", f"no reply template {language}/{name}") from None
    return language, name


@routes.get("/api/v1/admin/templates")
@requires_role()
async def list_templates(request: web.Request) -> web.Response:
    """`{"templates": [{"name", "language", "text", "source"}]}`, every language and script."""
    return json_response({"templates": _files(request).all()})


@routes.put(_ROUTE)
@requires_role()
async def put_template(request: web.Request) -> web.Response:
    """`{"text"}`; the next reply uses it. A text that does not render is a 422 naming the
    problem, and the template in use stays."""
    language, name = _which(request)
    body = await read_json(request, TemplateText)
    files = _files(request)
    before, _ = files.text(language, name)
    try:
        files.save(language, name, body.text)
    except TemplateProblem as exc:
        raise ApiError(422, "invalid_template", f"{language}/{name}: {exc}") from None
    await _record(request, "template.put", f"{language}/{name}", before, body.text)
    return json_response(
        {"name": name, "language": language, "text": body.text, "source": "custom"}
    )


@routes.delete(_ROUTE)
@requires_role()
async def delete_template(request: web.Request) -> web.Response:
    """Back to the shipped text."""
    language, name = _which(request)
    files = _files(request)
    before, _ = files.text(language, name)
    files.reset(language, name)
    text, source = files.text(language, name)
    await _record(request, "template.reset", f"{language}/{name}", before, text)
    return json_response({"name": name, "language": language, "text": text, "source": source})


@routes.post(_ROUTE + "/preview")
@requires_role()
async def preview_template(request: web.Request) -> web.Response:
    """`{"text"}` → `{"preview", "sample"}`: the text rendered against a sample ticket, or a
    422 naming the problem; nothing is saved."""
    _, name = _which(request)
    body = await read_json(request, TemplateText)
    try:
        rendered = render_sample(name, body.text)
    except TemplateProblem as exc:
        raise ApiError(422, "invalid_template", str(exc)) from None
    return json_response({"preview": rendered, "sample": SAMPLE_TICKET[name]})


@routes.get(_ROUTE + "/versions")
@requires_role()
async def template_versions(request: web.Request) -> web.Response:
    """`{"versions": [{"id", "actor", "at", "action", "text"}]}`, newest first: each text the
    template had after a change."""
    language, name = _which(request)
    subject = f"{language}/{name}"
    found = await request.app[DATABASE].read(
        lambda conn: audit.entries(conn, action_prefix="template.", subject=subject)
    )
    return json_response(
        {
            "versions": [
                {k: e[k] for k in ("id", "actor", "at", "action")} | {"text": e["after"]}
                for e in found
            ]
        }
    )


async def _record(request: web.Request, action: str, subject: str, before: Any, after: Any) -> None:
    now, actor = request.app[CLOCK](), request[STAFF].name
    await request.app[DATABASE].write(
        lambda conn: audit.record(conn, actor, action, subject, before, after, now)
    )
