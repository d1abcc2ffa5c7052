"""Administrator routes for the intents: examples, Rasa YAML in and out, training jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from gateway.problems import details, first_problem
from gateway.store import audit
from gateway.tasks import start, stop
from gateway.web.body import read_json_value, read_text
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, NLU, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.openapi import accepts
from gateway.web.query import Query, read_query
from gateway.web.responses import json_response
from handoff.web.admin import training
from handoff.web.admin.nlu_data import (
    INTENT_NAME,
    ExampleFiles,
    TrainingFileError,
    as_dict,
    example_id,
    export_yaml,
    import_yaml,
    language_of,
)
from nlu.training_data import Example

routes = web.RouteTableDef()
#: Running trainings, so they are not garbage-collected and stop with the app.
JOBS = web.AppKey("nlu_training_tasks", set[asyncio.Task[None]])


class NewExample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intent: str = Field(pattern=INTENT_NAME)
    text: str = Field(min_length=1, max_length=2000)
    language: str | None = Field(default=None, max_length=20)


_NEW_EXAMPLES: TypeAdapter[NewExample | list[NewExample]] = TypeAdapter(
    NewExample | list[NewExample]
)


def _files(request: web.Request) -> ExampleFiles:
    return ExampleFiles(request.app[SETTINGS].data_dir)


async def _record(request: web.Request, action: str, subject: str, before: Any, after: Any) -> None:
    now, actor = request.app[CLOCK](), request[STAFF].name
    await request.app[DATABASE].write(
        lambda conn: audit.record(conn, actor, action, subject, before, after, now)
    )


class ExamplesQuery(Query):
    intent: str | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=16)


@routes.get("/api/v1/admin/nlu/examples")
@requires_role()
@accepts(query=ExamplesQuery)
async def list_examples(request: web.Request) -> web.Response:
    """`{"examples": [{"id", "intent", "text", "language"}]}`, `?intent=` and `?language=`."""
    query = read_query(request, ExamplesQuery)
    intent, language = query.intent, query.language
    found = [
        as_dict(e)
        for e in _files(request).examples()
        if (not intent or e.intent == intent) and (not language or e.source == language)
    ]
    return json_response({"examples": found})


@routes.post("/api/v1/admin/nlu/examples")
@requires_role()
async def add_examples(request: web.Request) -> web.Response:
    """`{"intent", "text"}` or a list of them (language detected unless given); 201."""
    try:
        body = _NEW_EXAMPLES.validate_python(await read_json_value(request))
    except ValidationError as exc:
        raise ApiError(422, "validation_error", first_problem(exc), details(exc)) from None
    wanted = body if isinstance(body, list) else [body]
    files = _files(request)
    examples = files.examples()
    added = [
        Example(" ".join(n.text.split()), n.intent, n.language or language_of(n.text))
        for n in wanted
    ]
    files.replace([*examples, *(a for a in added if a not in examples)])
    created = [as_dict(a) for a in added]
    await _record(request, "nlu.examples.add", "examples", None, created)
    return json_response({"examples": created}, status=201)


@routes.delete("/api/v1/admin/nlu/examples/{id}")
@requires_role()
async def delete_example(request: web.Request) -> web.Response:
    files = _files(request)
    examples = files.examples()
    gone = [e for e in examples if example_id(e) == request.match_info["id"]]
    if not gone:
        raise ApiError(404, "not_found", f"no example {request.match_info['id']}")
    files.replace([e for e in examples if e not in gone])
    await _record(request, "nlu.examples.delete", "examples", as_dict(gone[0]), None)
    return json_response({"deleted": as_dict(gone[0])})


@routes.get("/api/v1/admin/nlu/data")
@requires_role()
async def get_data(request: web.Request) -> web.Response:
    """The whole training data as one Rasa file (`application/x-yaml`)."""
    text = export_yaml(_files(request).examples())
    return web.Response(text=text, content_type="application/x-yaml", charset="utf-8")


@routes.put("/api/v1/admin/nlu/data")
@requires_role()
async def put_data(request: web.Request) -> web.Response:
    """Replaces every example with the file's; not Rasa training data → 422 naming the line."""
    try:
        examples = import_yaml(await read_text(request))
    except TrainingFileError as exc:
        raise ApiError(422, "invalid_training_data", str(exc)) from None
    if len({e.intent for e in examples}) < 2:
        raise ApiError(422, "invalid_training_data", "the data needs two intents or more")
    files = _files(request)
    before = len(files.examples())
    files.replace(examples)
    await _record(
        request, "nlu.data.put", "examples", {"examples": before}, {"examples": len(examples)}
    )
    return json_response({"examples": len(examples)})


@routes.post("/api/v1/admin/nlu/train")
@requires_role()
async def start_training(request: web.Request) -> web.Response:
    """202 `{"job": ID}`; trains in the background (409 while another training runs)."""
    app, now, actor = request.app, request.app[CLOCK](), request[STAFF].name
    try:
        job = await app[DATABASE].write(training.queue_job, actor, now)
    except training.TrainingBusy as exc:
        raise ApiError(409, "conflict", f"training job {exc.args[0]} is still running") from None
    await _record(request, "nlu.train", f"job {job}", None, None)
    task = start(
        f"nlu-training-{job}",
        training.run_job(job, app[DATABASE], app[NLU], app[SETTINGS].data_dir, app[CLOCK]),
    )
    app[JOBS].add(task)
    task.add_done_callback(app[JOBS].discard)
    return json_response({"job": job}, status=202)


@routes.get("/api/v1/admin/nlu/jobs/{id}")
@requires_role()
async def get_job(request: web.Request) -> web.Response:
    """`{"state", "progress", "model", "error"?}`."""
    try:
        job = int(request.match_info["id"])
    except ValueError:
        raise ApiError(404, "not_found", "no such job") from None
    found = await request.app[DATABASE].read(training.job_state, job)
    if found is None:
        raise ApiError(404, "not_found", f"no training job {job}")
    return json_response(found)


async def training_tasks(app: web.Application) -> AsyncIterator[None]:
    """Stops trainings still running when the app stops (their jobs then read as stale)."""
    yield
    jobs: set[asyncio.Task[None]] = app[JOBS]
    await stop(list(jobs))
