"""Calibration figures, urgency figures and the held-out set by other authors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nlu.calibration import calibration_summary, expected_calibration_error, reliability
from nlu.classifier import CONFIDENT, earned_confidence
from nlu.features import LinearHead
from nlu.metrics import example_language, urgency_figures
from nlu.training_data import HELD_OUT_DIR, SHIPPED_DATA_DIR, read_training_data


def test_reliability_bins_and_ece() -> None:
    # Five answers at 0.95, four right; five at 0.55, all wrong.
    table = reliability([0.95] * 5 + [0.55] * 5, [True] * 4 + [False] * 6)
    assert [(b.low, b.count) for b in table] == [(0.5, 5), (0.9, 5)]
    assert table[1].accuracy == pytest.approx(0.8)
    assert expected_calibration_error(table) == pytest.approx((5 * 0.15 + 5 * 0.55) / 10)


def test_perfectly_calibrated_answers_have_no_error() -> None:
    summary = calibration_summary([1.0, 1.0, 0.5, 0.5], [True, True, True, False])
    assert summary["ece"] == pytest.approx(0.0)
    assert summary["max_confidence"] == 1.0


def test_urgency_figures_count_false_criticals_and_critical_recall() -> None:
    truth = ["critical", "critical", "high", "low", "normal"]
    predicted = ["critical", "normal", "critical", "low", "critical"]
    figures = urgency_figures(truth, predicted)
    assert figures["critical_recall"] == 0.5
    assert figures["false_criticals"] == 2
    assert figures["confusion"]["critical"] == {"low": 0, "normal": 1, "high": 0, "critical": 1}
    assert "low" in figures["confusion"] and figures["confusion"]["low"]["low"] == 1


def test_held_out_set_is_separate_and_covers_every_language() -> None:
    held_out = read_training_data(HELD_OUT_DIR)
    training = {e.text.strip().casefold() for e in read_training_data(SHIPPED_DATA_DIR).examples}
    assert not [e.text for e in held_out.examples if e.text.strip().casefold() in training]
    per_language = Counter(example_language(e) for e in held_out.intent_examples())
    assert set(per_language) == {"en", "ru", "zh-Hans", "zh-Hant"}
    assert min(per_language.values()) >= 30
    # Every message is graded for urgency too, at every level.
    assert len(held_out.urgency_examples()) == len(held_out.intent_examples())
    assert {e.intent for e in held_out.urgency_examples()} == {
        f"urgency_{lvl}" for lvl in ("low", "normal", "high", "critical")
    }


def test_a_head_never_says_more_than_it_has_earned() -> None:
    head = LinearHead(
        classes=["a", "b", "c"],
        coef=np.zeros((1, 3), dtype=np.float32),
        intercept=np.asarray([30.0, 0.0, 1.0], dtype=np.float32),
        max_confidence=0.97,
    )
    p = head.probabilities(np.zeros(0, np.int32), np.zeros(0, np.float32))
    assert p[0] == pytest.approx(0.97)
    assert p.sum() == pytest.approx(1.0)
    assert p[2] > p[1]  # the others keep their order
    assert LinearHead.from_state(head.to_state()).max_confidence == pytest.approx(0.97)


def test_earned_confidence_is_the_smoothed_accuracy_of_sure_answers() -> None:
    top = np.asarray([0.999] * 48 + [0.995, 0.6])
    correct = np.asarray([True] * 48 + [False, True])
    assert earned_confidence(top, correct) == pytest.approx(49 / 51)
    assert earned_confidence(np.asarray([0.7]), np.asarray([True])) == CONFIDENT
    assert earned_confidence(np.asarray([0.999] * 3), np.asarray([False] * 3)) == 0.5


def test_a_confidence_map_sets_the_top_probability_and_keeps_the_order() -> None:
    head = LinearHead(
        classes=["a", "b", "c"],
        coef=np.zeros((1, 3), dtype=np.float32),
        intercept=np.asarray([3.0, 1.0, 0.0], dtype=np.float32),
        confidence_map=([0.0, 1.0], [0.0, 0.6]),
    )
    p = head.probabilities(np.zeros(0, np.int32), np.zeros(0, np.float32))
    raw = np.exp([3.0, 1.0, 0.0]) / np.exp([3.0, 1.0, 0.0]).sum()
    assert p[0] == pytest.approx(0.6 * raw[0], abs=1e-6)
    assert p.sum() == pytest.approx(1.0)
    assert p[0] > p[1] > p[2]
    assert LinearHead.from_state(head.to_state()).confidence_map == ([0.0, 1.0], [0.0, 0.6])
