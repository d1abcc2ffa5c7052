"""Evaluation reports on a small data file (figures are reported, not asserted)."""

from __future__ import annotations

from pathlib import Path

from nlu.evaluation import cross_validate
from nlu.metrics import class_metrics
from nlu.report_text import format_report
from nlu.training_data import read_training_data


def test_class_metrics() -> None:
    [a, b] = class_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert (a.precision, a.recall, a.support) == (1.0, 0.5, 2)
    assert (b.precision, b.recall) == (2 / 3, 1.0)


def test_cross_validation_report(small_data_path: Path) -> None:
    report = cross_validate(read_training_data(small_data_path), folds=2)
    assert report.intent_examples == 39
    assert {m.name for m in report.intents} == {"greet", "delivery", "billing", "request_human"}
    assert {"en", "ru", "zh-Hans", "zh-Hant"} <= set(report.languages)
    assert report.urgency is not None and report.urgency["examples"] == 12
    assert set(report.calibration) == {"intent", "urgency"}
    assert report.calibration["intent"]["examples"] == 39
    assert "critical_recall" in report.urgency and "confusion" in report.urgency
    text = format_report(report)
    assert "macro F1" in text and "most confused" in text
    assert "intent calibration: ECE" in text and "false criticals" in text


def test_folds_are_reduced_for_rare_intents(small_data_path: Path) -> None:
    report = cross_validate(read_training_data(small_data_path), folds=50)
    assert report.notes
