"""Model versions with their scores on the held-out set, and one sentence parsed by the model
in use and a candidate version side by side."""

from __future__ import annotations

from typing import Any

from tests.admin.test_nlu_api import EXAMPLES, SMALL, put_yaml
from tests.admin.test_staff_api import call
from tests.conftest import eventually
from tests.handoff.conftest import Desk

MODELS = "/api/v1/admin/nlu/models"
TRY = "/api/v1/admin/nlu/try"
NEW_WORD = "they zorbulated me"


async def train_on_the_small_set(desk: Desk) -> str:
    """A second version, trained on three intents and a new word for billing."""
    assert (await put_yaml(desk, SMALL))[0] == 200
    examples = [{"intent": "billing", "text": t} for t in ("zorbulated my account", "zorbulated")]
    assert (await call(desk, "POST", EXAMPLES, examples))[0] == 201
    _, started = await call(desk, "POST", "/api/v1/admin/nlu/train")

    async def finished() -> Any:
        _, job = await call(desk, "GET", f"/api/v1/admin/nlu/jobs/{started['job']}")
        return job if job["state"] in ("done", "failed") else None

    job = await eventually(finished, timeout=120, interval=0.2)
    assert job["state"] == "done", job
    return str(job["model"])


async def test_each_version_is_listed_with_its_scores_once_scored(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    _, listed = await call(desk, "GET", MODELS)
    [shipped] = listed["models"]
    assert shipped["scores"] is None  # not scored yet: the page asks for it

    status, scored = await call(desk, "GET", f"{MODELS}/{shipped['version']}/scores")
    assert status == 200 and scored["version"] == shipped["version"]
    scores = scored["scores"]
    assert 0.5 < scores["macro_f1"] <= 1 and 0.5 < scores["accuracy"] <= 1
    assert set(scores["languages"]) >= {"en", "ru", "zh-Hans", "zh-Hant"}
    assert scores["examples"] > 0 and 0 < scores["urgency_accuracy"] <= 1

    _, listed = await call(desk, "GET", MODELS)
    assert listed["models"][0]["scores"] == scores  # kept: the list shows it from now on
    assert (await call(desk, "GET", f"{MODELS}/nope/scores"))[0] == 404
    assert (await call(desk, "GET", f"{MODELS}/{shipped['version']}/scores", role="agent"))[
        0
    ] == 403


async def test_a_sentence_goes_through_the_model_in_use_and_a_candidate_side_by_side(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    _, alone = await call(desk, "POST", TRY, {"text": NEW_WORD})
    shipped = alone["current"]["model"]
    assert alone["candidate"] is None  # one version: nothing to compare with
    assert alone["current"]["parse"]["intent"]["name"] != "billing"  # the word is new

    trained = await train_on_the_small_set(desk)
    status, both = await call(desk, "POST", TRY, {"text": NEW_WORD})
    assert status == 200
    assert both["current"]["model"] == trained and both["candidate"]["model"] == shipped
    assert both["current"]["parse"]["intent"]["name"] == "billing"
    assert both["candidate"]["parse"] == alone["current"]["parse"]

    chosen = await call(desk, "POST", TRY, {"text": NEW_WORD, "candidate": trained})
    assert chosen[1]["candidate"]["model"] == trained
    assert (await call(desk, "POST", TRY, {"text": NEW_WORD, "candidate": "nope"}))[0] == 404
    assert (await call(desk, "POST", TRY, {"text": "  "}))[0] == 422

    # Three intents score worse on the held-out set than the shipped nine: the list says so.
    for version in (shipped, trained):
        await call(desk, "GET", f"{MODELS}/{version}/scores")
    _, listed = await call(desk, "GET", MODELS)
    f1 = {m["version"]: m["scores"]["macro_f1"] for m in listed["models"]}
    assert f1[shipped] > f1[trained]
