"""Administrator routes for model versions: list them, put an earlier one back in use, and
score the one in use.

Every process runs the newest version in the model store, so activating an earlier version
stores a copy of it under a new (newest) name: the other processes switch to it the way
they switch to a freshly trained model, and the history stays in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from gateway.store import audit
from gateway.web.errors import ApiError
from gateway.web.keys import CLOCK, DATABASE, NLU, SETTINGS
from gateway.web.middlewares import STAFF, requires_role
from gateway.web.responses import json_response
from nlu.store import ModelStore
from nlu.training_data import HELD_OUT_DIR, TrainingData, TrainingDataError, read_training_data

routes = web.RouteTableDef()


def _summary(store: ModelStore, version: str, in_use: str) -> dict[str, Any]:
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
    }


@routes.get("/api/v1/admin/nlu/models")
@requires_role()
async def list_models(request: web.Request) -> web.Response:
    """`{"in_use", "models": [{"version", "created_at", "intents", "examples", ...}]}`,
    newest first."""
    store = ModelStore(request.app[SETTINGS].data_dir / "models")
    in_use = request.app[NLU].model_version
    models = [_summary(store, v, in_use) for v in reversed(store.versions())]
    return json_response({"in_use": in_use, "models": models})


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


#: Reports by model version: a version never changes, so neither does its score.
_REPORTS: dict[str, dict[str, Any]] = {}


@routes.get("/api/v1/admin/nlu/evaluation")
@requires_role()
async def evaluate_model(request: web.Request) -> web.Response:
    """The model in use scored on the shipped held-out set (other authors' sentences):
    `{"model", "report": {"intents": [{"name", "precision", "recall", "f1", "support"}],
    "languages", "confused", "accuracy", "macro_f1", ...}}`."""
    nlu = request.app[NLU]
    version = nlu.model_version
    if version not in _REPORTS:

        def score() -> dict[str, Any]:
            from nlu.evaluation import evaluate_on_test  # scikit-learn: see copy_as_newest

            test = read_training_data(HELD_OUT_DIR)
            return evaluate_on_test(TrainingData(), test, model=nlu.model).to_dict()

        try:
            report = await asyncio.get_running_loop().run_in_executor(None, score)
        except TrainingDataError as exc:
            raise ApiError(503, "unavailable", f"no held-out set to score on: {exc}") from None
        _REPORTS[version] = report
    return json_response({"model": version, "report": _REPORTS[version]})
