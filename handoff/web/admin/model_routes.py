"""Administrator routes for model versions: list them with their scores on the held-out
set, put an earlier one back in use, score any of them, and parse one sentence with the
model in use and another version side by side.

Every process runs the newest version in the model store, so activating an earlier version
stores a copy of it under a new (newest) name: the other processes switch to it the way
they switch to a freshly trained model, and the history stays in order.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, StringConstraints

from gateway.store import audit
from gateway.web.body import read_json
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, NLU, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.openapi import accepts
from gateway.web.responses import json_response
from handoff.web.admin.model_scores import ModelScores
from nlu.store import ModelStore
from nlu.training_data import TrainingDataError

routes = web.RouteTableDef()
SCORES = web.AppKey("model_scores", ModelScores)

Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class TrySentence(BaseModel):
    text: Sentence
    #: The version to compare with; default: the newest one not in use.
    candidate: str | None = None


def _summary(store: ModelStore, version: str, in_use: str, scores: ModelScores) -> dict[str, Any]:
    manifest = store.manifest(version)
    return {
        "version": version,
        "created_at": manifest.get("created_at"),
        "intents": manifest.get("intents", []),
        "examples": manifest.get("examples", {}),
        "training_seconds": manifest.get("training_seconds"),
        "embedding": manifest.get("embedding"),
        "activated_from": manifest.get("activated_from"),
        "in_use": version == in_use,
        # Null until scored (GET .../models/{version}/scores): seconds per version.
        "scores": scores.known(version),
    }


@routes.get("/api/v1/admin/nlu/models")
@requires_role()
async def list_models(request: web.Request) -> web.Response:
    """`{"in_use", "models": [{"version", "created_at", "intents", "examples", "scores",
    ...}]}`, newest first; `scores` (macro F1, accuracy, F1 per language, urgency accuracy on
    the held-out set) is null for a version not scored yet."""
    store = ModelStore(request.app[SETTINGS].data_dir / "models")
    in_use = request.app[NLU].model_version
    scores = request.app[SCORES]
    models = [_summary(store, v, in_use, scores) for v in reversed(store.versions())]
    return json_response({"in_use": in_use, "models": models})


@routes.get("/api/v1/admin/nlu/models/{version}/scores")
@requires_role()
async def score_model(request: web.Request) -> web.Response:
    """`{"version", "scores"}`: the version scored on the held-out set (once, then kept)."""
    version = request.match_info["version"]
    scores = await _off_loop(request.app[SCORES].scores, version)
    return json_response({"version": version, "scores": scores})


@routes.post("/api/v1/admin/nlu/try")
@requires_role()
@accepts(TrySentence)
async def try_sentence(request: web.Request) -> web.Response:
    """One sentence through the model in use and a candidate version, side by side:
    `{"current": {"model", "parse"}, "candidate": {"model", "parse"} or null}` (null when
    there is no other version)."""
    body = await read_json(request, TrySentence)
    nlu, scores = request.app[NLU], request.app[SCORES]
    current = nlu.model
    others = [v for v in reversed(nlu.store.versions()) if v != current.version]
    candidate = body.candidate or (others[0] if others else None)

    def parse(version: str) -> dict[str, Any]:
        return {"model": version, "parse": scores.model(version).parse(body.text).to_dict()}

    answer: dict[str, Any] = {
        "current": await _off_loop(parse, current.version),
        "candidate": await _off_loop(parse, candidate) if candidate else None,
    }
    return json_response(answer)


async def _off_loop(work: Any, version: str) -> Any:
    """Loading and scoring take seconds: a worker thread, and a 404 for no such version."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, work, version)
    except FileNotFoundError:
        raise ApiError(404, "not_found", f"no model version {version}") from None
    except TrainingDataError as exc:
        raise ApiError(503, "unavailable", f"no held-out set to score on: {exc}") from None


@routes.post("/api/v1/admin/nlu/models/{version}/activate")
@requires_role()
async def activate_model(request: web.Request) -> web.Response:
    """Puts `version` back in use in every process (a rollback); `{"model", "from"}`."""
    store = ModelStore(request.app[SETTINGS].data_dir / "models")
    chosen = request.match_info["version"]
    if chosen not in store.versions():
        raise ApiError(404, "not_found", f"no model version {chosen}")
    nlu = request.app[NLU]

    def copy_as_newest() -> str:
        # Imported here: the trainer brings scikit-learn and SciPy, which only a process
        # that trains or scores needs (the web process stays small).
        from nlu.trainer import new_version

        old = store.load(chosen)
        model = old.renamed(new_version(old.manifest.get("data_fingerprint", "0" * 8)))
        model.manifest["activated_from"] = chosen
        store.save(model)
        nlu.reload()
        return model.version

    before = nlu.model_version
    current = await asyncio.get_running_loop().run_in_executor(None, copy_as_newest)
    now, actor = request.app[CLOCK](), request[STAFF].name
    await request.app[DATABASE].write(
        lambda conn: audit.record(conn, actor, "nlu.activate", chosen, before, current, now)
    )
    return json_response({"model": current, "from": chosen})


#: Full reports by model version: a version never changes, so neither does its score.
_REPORTS: dict[str, dict[str, Any]] = {}


@routes.get("/api/v1/admin/nlu/evaluation")
@requires_role()
async def evaluate_model(request: web.Request) -> web.Response:
    """The model in use scored on the shipped held-out set (other authors' sentences):
    `{"model", "report": {"intents": [{"name", "precision", "recall", "f1", "support"}],
    "languages", "confused", "accuracy", "macro_f1", ...}}`."""
    version = request.app[NLU].model_version
    if version not in _REPORTS:
        _REPORTS[version] = await _off_loop(request.app[SCORES].report, version)
    return json_response({"model": version, "report": _REPORTS[version]})
