"""Evaluation runs: stratified cross-validation, or a held-out test file, scored by models
trained here (or the model in use); the figures are :mod:`nlu.metrics`'s ``Report``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nlu.metrics import Report, build_report
from nlu.model import NluModel
from nlu.trainer import TrainingConfig, train
from nlu.training_data import Example, TrainingData

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


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
