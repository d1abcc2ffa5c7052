"""The admin API for intents: examples, Rasa YAML in and out, and background training."""

from __future__ import annotations

from typing import Any

from tests.admin.test_staff_api import call
from tests.conftest import eventually
from tests.handoff.conftest import Desk

EXAMPLES = "/api/v1/admin/nlu/examples"
DATA = "/api/v1/admin/nlu/data"


async def put_yaml(desk: Desk, text: str) -> tuple[int, Any]:
    headers = {**desk.live.auth("admin"), "Content-Type": "application/x-yaml"}
    async with desk.live.http.put(f"{desk.url}{DATA}", data=text, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_examples_are_browsed_added_and_deleted_by_intent_and_language(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    status, body = await call(desk, "GET", f"{EXAMPLES}?intent=delivery&language=en")
    assert status == 200 and body["examples"]
    assert {(e["intent"], e["language"]) for e in body["examples"]} == {("delivery", "en")}

    status, made = await call(
        desk,
        "POST",
        EXAMPLES,
        [
            {"intent": "warranty_claim", "text": "I want to use my warranty"},
            {"intent": "delivery", "text": "快递丢了"},
        ],
    )
    assert status == 201
    assert [(e["intent"], e["language"]) for e in made["examples"]] == [
        ("warranty_claim", "en"),
        ("delivery", "zh-Hans"),
    ]
    _, new_intent = await call(desk, "GET", f"{EXAMPLES}?intent=warranty_claim")
    assert [e["text"] for e in new_intent["examples"]] == ["I want to use my warranty"]

    gone = made["examples"][0]["id"]
    assert (await call(desk, "DELETE", f"{EXAMPLES}/{gone}"))[0] == 200
    assert (await call(desk, "GET", f"{EXAMPLES}?intent=warranty_claim"))[1]["examples"] == []
    assert (await call(desk, "DELETE", f"{EXAMPLES}/{gone}"))[0] == 404
    bad = await call(desk, "POST", EXAMPLES, {"intent": "no spaces please", "text": "x"})
    assert bad[0] == 422


async def test_rasa_yaml_export_imports_back_and_a_bad_file_names_its_line(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    async with desk.live.http.get(f"{desk.url}{DATA}", headers=desk.live.auth("admin")) as resp:
        assert resp.status == 200 and resp.content_type == "application/x-yaml"
        exported = await resp.text()
    before = len((await call(desk, "GET", EXAMPLES))[1]["examples"])
    assert await put_yaml(desk, exported) == (200, {"examples": before})

    broken = (
        'version: "3.1"\nnlu:\n- intent: delivery\n  examples: |\n    - where is it\n    oops\n'
    )
    status, error = await put_yaml(desk, broken)
    assert status == 422 and error["error"]["message"] == "line 6: an example line starts with `- `"
    status, error = await put_yaml(desk, "nlu:\n- intent: a\n  examples: [\n")
    assert status == 422 and error["error"]["message"].startswith("line 4:")
    assert len((await call(desk, "GET", EXAMPLES))[1]["examples"]) == before


SMALL = """version: "3.1"
nlu:
- intent: delivery
  examples: |
    - my parcel never arrived
    - the courier lost my package
    - delivery is two weeks late
    - where is my order, it has not come
    - the package was left at the wrong address
    - tracking has not moved for days
- intent: billing
  examples: |
    - I was charged twice
    - the invoice amount is wrong
    - refund has not reached my card
    - you took money without asking
    - my bill shows a fee I never agreed to
    - double payment on my credit card
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - hello, anyone there?
    - hi, good afternoon
"""


async def test_training_runs_in_the_background_and_the_new_model_parses(
    sqlite_desk: Desk,
) -> None:
    desk = sqlite_desk
    assert (await put_yaml(desk, SMALL))[0] == 200
    await call(
        desk,
        "POST",
        EXAMPLES,
        [{"intent": "billing", "text": t} for t in ("zorbulated my account", "zorbulated again")],
    )
    status, started = await call(desk, "POST", "/api/v1/admin/nlu/train")
    assert status == 202
    seen: list[float] = []

    async def finished() -> Any:
        _, job = await call(desk, "GET", f"/api/v1/admin/nlu/jobs/{started['job']}")
        seen.append(job["progress"])
        return job if job["state"] in ("done", "failed") else None

    job = await eventually(finished, timeout=120, interval=0.1)
    assert job["state"] == "done", job
    assert job["progress"] == 1.0 and job["model"]
    assert seen == sorted(seen)
    async with desk.live.http.post(
        f"{desk.url}/model/parse", json={"text": "they zorbulated me"}
    ) as resp:
        parsed = await resp.json()
    assert parsed["intent"]["name"] == "billing"
    assert (await call(desk, "GET", "/api/v1/admin/nlu/jobs/999"))[0] == 404


async def test_an_earlier_model_version_is_put_back_in_use(sqlite_desk: Desk) -> None:
    desk = sqlite_desk
    status, listed = await call(desk, "GET", "/api/v1/admin/nlu/models")
    assert status == 200 and len(listed["models"]) == 1
    first = listed["models"][0]
    assert first["in_use"] and first["version"] == listed["in_use"] and first["intents"]

    status, activated = await call(
        desk, "POST", f"/api/v1/admin/nlu/models/{first['version']}/activate"
    )
    assert status == 200 and activated["from"] == first["version"]
    _, after = await call(desk, "GET", "/api/v1/admin/nlu/models")
    assert after["in_use"] == activated["model"] != first["version"]
    assert after["models"][0]["activated_from"] == first["version"]
    missing = await call(desk, "POST", "/api/v1/admin/nlu/models/nope/activate")
    assert missing[0] == 404


async def test_the_model_in_use_is_scored_on_the_held_out_set(sqlite_desk: Desk) -> None:
    status, body = await call(sqlite_desk, "GET", "/api/v1/admin/nlu/evaluation")
    assert status == 200
    assert (
        body["model"] == (await call(sqlite_desk, "GET", "/api/v1/admin/nlu/models"))[1]["in_use"]
    )
    report = body["report"]
    assert "delivery" in {m["name"] for m in report["intents"]}
    assert 0.5 < report["macro_f1"] <= 1 and {"en", "ru"} <= set(report["languages"])
