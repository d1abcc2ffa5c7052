"""The figures of an evaluation: per-class precision, recall and F1, per language, urgency
confusion, critical recall and false criticals, and calibration; counted by
``sklearn.metrics`` (only evaluation imports this module, so parsing never pays for it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from nlu.calibration import calibration_summary
from nlu.intents import URGENCY_LEVELS
from nlu.language import detect_language, normalise_tag
from nlu.training_data import Example


@dataclass
class ClassMetrics:
    """Precision, recall and F1 of one class."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """An evaluation's figures; :meth:`to_dict` is the ``--json`` output."""

    mode: str
    intent_examples: int
    intents: list[ClassMetrics]
    accuracy: float
    macro_f1: float
    weighted_f1: float
    languages: dict[str, dict[str, float]]
    confused: list[dict[str, Any]]
    urgency: dict[str, Any] | None = None
    calibration: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def class_metrics(truth: Sequence[str], predicted: Sequence[str]) -> list[ClassMetrics]:
    """Per-class precision, recall and F1 over the labels seen in ``truth``."""
    labels = sorted(set(truth))
    if not labels:
        return []
    precision, recall, f1, support = precision_recall_fscore_support(
        list(truth), list(predicted), labels=labels, zero_division=0
    )
    return [
        ClassMetrics(label, float(p), float(r), float(f), int(n))
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    ]


def _f1(truth: Sequence[str], predicted: Sequence[str], average: str) -> float:
    """F1 averaged over the labels seen in ``truth`` (``"macro"`` or ``"weighted"``)."""
    if not truth:
        return 0.0
    labels = sorted(set(truth))
    return float(
        f1_score(list(truth), list(predicted), labels=labels, average=average, zero_division=0)
    )


def _accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return float(accuracy_score(list(truth), list(predicted))) if truth else 0.0


def example_language(example: Example) -> str:
    """The language of an example: its file's name when that is a language tag (``en.yml``),
    else detected from the text."""
    if example.source in ("en", "ru", "zh-Hans", "zh-Hant"):
        return example.source
    tag = normalise_tag(example.source)
    if tag and example.source.replace("_", "-").lower() in (tag.lower(), tag.split("-")[0]):
        return tag
    return detect_language(example.text)


def build_report(
    mode: str,
    examples: Sequence[Example],
    predicted: Sequence[str],
    urgency_truth: Sequence[str] = (),
    urgency_predicted: Sequence[str] = (),
    urgency_model_predicted: Sequence[str] = (),
    top_confused: int = 10,
    *,
    intent_confidences: Sequence[float] = (),
    urgency_examples: Sequence[Example] = (),
    urgency_confidences: Sequence[float] = (),
) -> Report:
    """Assemble a report from true and predicted labels (and, when given, the confidences
    of the predictions, and the urgency examples for figures per language)."""
    truth = [e.intent for e in examples]
    metrics = class_metrics(truth, predicted)
    languages: dict[str, dict[str, float]] = {}
    by_language: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        by_language.setdefault(example_language(e), []).append(i)
    for lang, rows in sorted(by_language.items()):
        t = [truth[i] for i in rows]
        p = [predicted[i] for i in rows]
        languages[lang] = {
            "macro_f1": _f1(t, p, "macro"),
            "accuracy": _accuracy(t, p),
            "support": len(rows),
        }
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    confused = [
        {"true": t, "predicted": p, "count": n} for (t, p), n in pairs.most_common(top_confused)
    ]
    urgency = None
    if urgency_truth:
        urgency = urgency_figures(urgency_truth, urgency_predicted, urgency_model_predicted)
        if urgency_examples:
            rows_by: dict[str, list[int]] = {}
            for i, e in enumerate(urgency_examples):
                rows_by.setdefault(example_language(e), []).append(i)
            urgency["languages"] = {
                lang: _urgency_language(
                    [urgency_truth[i] for i in rows], [urgency_predicted[i] for i in rows]
                )
                for lang, rows in sorted(rows_by.items())
            }
    calibration = {}
    if intent_confidences:
        right = [t == p for t, p in zip(truth, predicted, strict=True)]
        calibration["intent"] = calibration_summary(list(intent_confidences), right)
    if urgency_confidences and urgency_truth:
        right = [t == p for t, p in zip(urgency_truth, urgency_predicted, strict=True)]
        calibration["urgency"] = calibration_summary(list(urgency_confidences), right)
    return Report(
        mode=mode,
        intent_examples=len(examples),
        intents=metrics,
        accuracy=_accuracy(truth, predicted),
        macro_f1=_f1(truth, predicted, "macro"),
        weighted_f1=_f1(truth, predicted, "weighted"),
        languages=languages,
        confused=confused,
        urgency=urgency,
        calibration=calibration,
    )


def urgency_figures(
    truth: Sequence[str], predicted: Sequence[str], model_predicted: Sequence[str] = ()
) -> dict[str, Any]:
    """Accuracy, per-level metrics, the confusion by level (true -> predicted -> count),
    critical recall and false criticals (predicted critical, truly less: a supervisor paged
    for nothing)."""
    pairs = list(zip(truth, predicted, strict=True))
    counts = confusion_matrix(list(truth), list(predicted), labels=list(URGENCY_LEVELS))
    confusion = {
        t: {p: int(counts[i, j]) for j, p in enumerate(URGENCY_LEVELS)}
        for i, t in enumerate(URGENCY_LEVELS)
        if t in truth
    }
    critical = sum(1 for t in truth if t == "critical")
    return {
        "examples": len(truth),
        "accuracy": _accuracy(truth, predicted),
        "model_only_accuracy": _accuracy(truth, model_predicted) if model_predicted else 0.0,
        "levels": [asdict(m) for m in class_metrics(truth, predicted)],
        "confusion": confusion,
        "critical_recall": (
            sum(1 for a, b in pairs if a == b == "critical") / critical if critical else 0.0
        ),
        "critical_support": critical,
        "false_criticals": sum(1 for a, b in pairs if b == "critical" and a != "critical"),
    }


def _urgency_language(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    figures = urgency_figures(truth, predicted)
    return {k: figures[k] for k in ("accuracy", "critical_recall", "false_criticals", "examples")}
