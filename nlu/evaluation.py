"""Quality reports: cross-validation or a held-out test file, as text or JSON.

Reports per-intent precision/recall/F1, F1 per language, the most confused intent pairs,
urgency accuracy (the combined model-plus-signals decision, and the model alone) with its
confusion by level, critical recall and false criticals per language, and the calibration of
both heads' confidences (:mod:`nlu.calibration`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from nlu.calibration import calibration_summary, format_calibration
from nlu.intents import URGENCY_LEVELS
from nlu.language import detect_language, normalise_tag
from nlu.model import NluModel
from nlu.trainer import TrainingConfig, train
from nlu.training_data import Example, TrainingData

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


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
    out = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append(ClassMetrics(label, precision, recall, f1, tp + fn))
    return out


def _macro(metrics: Sequence[ClassMetrics]) -> float:
    return sum(m.f1 for m in metrics) / len(metrics) if metrics else 0.0


def _weighted(metrics: Sequence[ClassMetrics]) -> float:
    total = sum(m.support for m in metrics)
    return sum(m.f1 * m.support for m in metrics) / total if total else 0.0


def _accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    if not truth:
        return 0.0
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


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
        m = class_metrics(t, p)
        languages[lang] = {
            "macro_f1": _macro(m),
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
        macro_f1=_macro(metrics),
        weighted_f1=_weighted(metrics),
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
    confusion = {
        t: {p: sum(1 for a, b in pairs if a == t and b == p) for p in URGENCY_LEVELS}
        for t in URGENCY_LEVELS
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


@dataclass
class Predictions:
    """What a model answered for the intent and the urgency examples, with confidences."""

    intents: list[str] = field(default_factory=list)
    intent_confidences: list[float] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    level_confidences: list[float] = field(default_factory=list)
    model_levels: list[str] = field(default_factory=list)


def _predict(
    model: NluModel, intent_examples: Sequence[Example], urgency_examples: Sequence[Example]
) -> Predictions:
    out = Predictions()
    for result in model.parse_many([e.text for e in intent_examples]):
        out.intents.append(result.intent.name if result.intent else "")
        out.intent_confidences.append(result.intent.confidence if result.intent else 0.0)
    for e, result in zip(
        urgency_examples, model.parse_many([e.text for e in urgency_examples]), strict=True
    ):
        out.levels.append(result.urgency.level if result.urgency else "")
        out.level_confidences.append(result.urgency.confidence if result.urgency else 0.0)
        out.model_levels.append(model.urgency_level(e.text))
    return out


def _level(intent: str) -> str:
    return intent.removeprefix("urgency_")


def _folds(labels: Sequence[str], folds: int, seed: int) -> list[list[int]]:
    """Stratified fold assignment: example indices of each fold."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(list(labels), list(labels))]


def cross_validate(
    data: TrainingData,
    *,
    folds: int = 5,
    seed: int = 0,
    config: TrainingConfig | None = None,
    progress: Progress = _quiet,
) -> Report:
    """Stratified k-fold cross-validation of the intent and urgency models on ``data``."""
    intent_examples = _unique(data.intent_examples())
    urgency_examples = _unique(data.urgency_examples())
    notes = []
    smallest = min(Counter(e.intent for e in intent_examples).values(), default=0)
    if smallest < folds:
        notes.append(f"folds reduced from {folds} to {max(smallest, 2)}: an intent is that rare")
        folds = max(smallest, 2)
    intent_folds = _folds([e.intent for e in intent_examples], folds, seed)
    urgency_counts = Counter(e.intent for e in urgency_examples)
    use_urgency = len(urgency_counts) >= 2 and min(urgency_counts.values()) >= folds
    urgency_folds = (
        _folds([e.intent for e in urgency_examples], folds, seed)
        if use_urgency
        else [[] for _ in range(folds)]
    )
    # Where each example's answer lands: (fold, position in that fold's answers).
    slots = {i: (k, j) for k, fold in enumerate(intent_folds) for j, i in enumerate(fold)}
    uslots = {i: (k, j) for k, fold in enumerate(urgency_folds) for j, i in enumerate(fold)}
    per_fold: list[Predictions] = []
    for k in range(folds):
        held_i, held_u = set(intent_folds[k]), set(urgency_folds[k])
        fold_data = TrainingData(
            examples=[e for i, e in enumerate(intent_examples) if i not in held_i]
            + [e for i, e in enumerate(urgency_examples) if use_urgency and i not in held_u],
            regexes=data.regexes,
            lookups=data.lookups,
        )
        model = train(fold_data, config=config)  # calibrated: thresholds act on confidences
        per_fold.append(
            _predict(
                model,
                [intent_examples[i] for i in intent_folds[k]],
                [urgency_examples[i] for i in urgency_folds[k]],
            )
        )
        progress(f"fold {k + 1}/{folds} done")
    merged = Predictions()
    for i in range(len(intent_examples)):
        k, j = slots[i]
        merged.intents.append(per_fold[k].intents[j])
        merged.intent_confidences.append(per_fold[k].intent_confidences[j])
    for i in range(len(urgency_examples) if use_urgency else 0):
        k, j = uslots[i]
        merged.levels.append(per_fold[k].levels[j])
        merged.level_confidences.append(per_fold[k].level_confidences[j])
        merged.model_levels.append(per_fold[k].model_levels[j])
    report = _report(f"{folds}-fold cross-validation", intent_examples, urgency_examples, merged)
    report.notes.extend(notes)
    return report


def evaluate_on_test(
    train_data: TrainingData,
    test_data: TrainingData,
    *,
    config: TrainingConfig | None = None,
    model: NluModel | None = None,
    progress: Progress = _quiet,
) -> Report:
    """Train on ``train_data`` (unless ``model`` is given) and score ``test_data``."""
    if model is None:
        progress("training on the training data")
        model = train(train_data, config=config)
    intent_examples = _unique(test_data.intent_examples())
    urgency_examples = _unique(test_data.urgency_examples())
    return _report(
        "held-out test file",
        intent_examples,
        urgency_examples,
        _predict(model, intent_examples, urgency_examples),
    )


def _report(
    mode: str,
    intent_examples: Sequence[Example],
    urgency_examples: Sequence[Example],
    answers: Predictions,
) -> Report:
    has_urgency = bool(answers.levels)
    return build_report(
        mode,
        intent_examples,
        answers.intents,
        [_level(e.intent) for e in urgency_examples] if has_urgency else [],
        answers.levels,
        answers.model_levels,
        intent_confidences=answers.intent_confidences,
        urgency_examples=urgency_examples if has_urgency else [],
        urgency_confidences=answers.level_confidences,
    )


def _unique(examples: Sequence[Example]) -> list[Example]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in examples:
        if (e.intent, e.text) not in seen:
            seen.add((e.intent, e.text))
            out.append(e)
    return out


def format_report(report: Report) -> str:
    """A human-readable report."""
    lines = [
        f"NLU evaluation: {report.mode}, {report.intent_examples} intent examples",
        "",
        f"{'intent':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for m in report.intents:
        lines.append(
            f"{m.name:<18}{m.precision:>10.3f}{m.recall:>10.3f}{m.f1:>10.3f}{m.support:>9}"
        )
    lines += [
        "",
        f"accuracy {report.accuracy:.3f}   macro F1 {report.macro_f1:.3f}   "
        f"weighted F1 {report.weighted_f1:.3f}",
        "",
        f"{'language':<18}{'macro F1':>10}{'accuracy':>10}{'support':>9}",
    ]
    for lang, figures in report.languages.items():
        lines.append(
            f"{lang:<18}{figures['macro_f1']:>10.3f}{figures['accuracy']:>10.3f}"
            f"{int(figures['support']):>9}"
        )
    lines += ["", "most confused (true -> predicted: count)"]
    lines += [f"  {c['true']} -> {c['predicted']}: {c['count']}" for c in report.confused]
    if not report.confused:
        lines.append("  none")
    if report.urgency:
        u = report.urgency
        lines += [
            "",
            f"urgency: accuracy {u['accuracy']:.3f} (model alone {u['model_only_accuracy']:.3f}) "
            f"on {u['examples']} examples",
            f"{'level':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
        ]
        for m in u["levels"]:
            lines.append(
                f"{m['name']:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
                f"{m['support']:>9}"
            )
        lines += _urgency_lines(u)
    for head, summary in report.calibration.items():
        lines += ["", *format_calibration(head, summary)]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _urgency_lines(u: dict[str, Any]) -> list[str]:
    lines = [
        f"critical recall {u['critical_recall']:.3f} of {u['critical_support']}, "
        f"false criticals {u['false_criticals']}",
        "confusion (rows true, columns predicted)",
        f"  {'':<10}" + "".join(f"{lvl:>10}" for lvl in URGENCY_LEVELS),
    ]
    for true, row in u["confusion"].items():
        lines.append(f"  {true:<10}" + "".join(f"{row[lvl]:>10}" for lvl in URGENCY_LEVELS))
    if u.get("languages"):
        lines.append(f"  {'language':<10}{'accuracy':>10}{'crit rec':>10}{'false crit':>11}")
        for lang, f in u["languages"].items():
            lines.append(
                f"  {lang:<10}{f['accuracy']:>10.3f}{f['critical_recall']:>10.3f}"
                f"{int(f['false_criticals']):>11}"
            )
    return lines
