"""Bad input never raises: empty, whitespace, emoji, junk, huge texts, mixed scripts."""

from __future__ import annotations

import pytest

from nlu.model import NluModel
from nlu.normalise import MAX_PARSE_CHARS


@pytest.mark.parametrize("text", ["", " ", "\t\n  \r\n", "\u3000"])
def test_blank_input_gives_the_empty_result(small_model: NluModel, text: str) -> None:
    assert small_model.parse(text).to_dict() == {}


@pytest.mark.parametrize(
    "text",
    [
        "😀😀😀",
        "👍",
        "\x00\x01\x02\x7f",
        "\ud800 lone surrogate",
        "\ufffd\ufffd binary \x89PNG\r\n\x1a",
        "我的iPhone坏了 my phone broke Мой телефон сломался 😡",
        "ＴＳ－２０２６１１－０００１２３",
        "a" * 10_000,
        "!!!???...",
        "\u202e\u200b reversed",
    ],
)
def test_junk_gives_a_full_result(small_model: NluModel, text: str) -> None:
    out = small_model.parse(text).to_dict()
    assert out["text"] == text
    assert out["intent"]["name"] in small_model.intents
    assert out["language"]
    assert out["urgency"]["level"] in {"low", "normal", "high", "critical"}


def test_huge_text_is_kept_whole_but_analysed_by_prefix(small_model: NluModel) -> None:
    text = ("my parcel has not arrived, order 20261103558712. " * 25_000)[:1_000_000]
    result = small_model.parse(text)
    assert result.text == text
    assert all(e.end <= MAX_PARSE_CHARS for e in result.entities)
    assert result.entities


def test_non_string_input_is_empty(small_model: NluModel) -> None:
    assert small_model.parse(None).to_dict() == {}  # type: ignore[arg-type]
