"""The parse result's shape follows the contract (Rasa's /model/parse plus language, urgency)."""

from __future__ import annotations

import json

from nlu import COMPLAINT_INTENTS, DIALOGUE_INTENTS, ParseResult
from nlu.model import NluModel

CONTRACT_KEYS = {"text", "language", "intent", "intent_ranking", "urgency", "entities"}


def test_empty_result_serialises_to_an_empty_object() -> None:
    assert ParseResult.empty().to_dict() == {}
    assert ParseResult.empty().is_empty


def test_result_has_the_contract_keys(shipped_model: NluModel) -> None:
    out = shipped_model.parse("my parcel 20261103558712 never arrived").to_dict()
    assert set(out) == CONTRACT_KEYS
    assert set(out["intent"]) == {"name", "confidence"}
    assert set(out["urgency"]) == {"level", "confidence", "reasons"}
    assert out["urgency"]["level"] in {"low", "normal", "high", "critical"}
    json.dumps(out)  # plain JSON types only


def test_intent_ranking_lists_every_intent_sorted(shipped_model: NluModel) -> None:
    out = shipped_model.parse("you charged me twice").to_dict()
    ranking = out["intent_ranking"]
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert {r["name"] for r in ranking} == set(shipped_model.intents)
    assert ranking[0] == out["intent"]
    assert abs(sum(confidences) - 1.0) < 0.01


def test_shipped_model_knows_the_contract_intents(shipped_model: NluModel) -> None:
    assert set(shipped_model.intents) == COMPLAINT_INTENTS | DIALOGUE_INTENTS


def test_entities_have_rasa_keys_and_offsets(shipped_model: NluModel) -> None:
    text = "order 20261103558712 was charged ¥399"
    out = shipped_model.parse(text).to_dict()
    for entity in out["entities"]:
        assert {"entity", "value", "start", "end", "extractor"} <= set(entity)
        assert 0 <= entity["start"] < entity["end"] <= len(text)


def test_round_trip_through_dict(shipped_model: NluModel) -> None:
    result = shipped_model.parse("退款¥399还没到账，订单20261103558712")
    assert ParseResult.from_dict(result.to_dict()).to_dict() == result.to_dict()
