"""Russian in Latin letters is read as Russian; English is left alone."""

from __future__ import annotations

import pytest

from nlu.normalise import for_features
from nlu.training_data import SHIPPED_DATA_DIR, read_training_data
from nlu.translit import looks_translit_russian, to_cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("zakaz ne prishel uzhe nedelyu", "заказ не пришел уже неделю"),
        ("vernite pozhaluysta dengi", "верните пожалуйста ден"),
    ],
)
def test_translit_russian_becomes_cyrillic(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin).startswith(cyrillic)
    assert for_features(latin).startswith(cyrillic)


@pytest.mark.parametrize(
    "text",
    [
        "my order has not arrived yet",
        "I paid twice, please refund",
        "no",
        "v2 of the app crashes",
        "Привет, заказ не пришел",
        "订单没到",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert not looks_translit_russian(text)
    assert to_cyrillic(text) == text


def test_no_shipped_english_or_chinese_example_is_taken_for_russian() -> None:
    data = read_training_data(SHIPPED_DATA_DIR)
    assert not [
        e.text for e in data.examples if e.source != "ru" and looks_translit_russian(e.text)
    ]
