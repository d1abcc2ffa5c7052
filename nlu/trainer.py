"""Training: Rasa training data in, a new :class:`~nlu.model.NluModel` out.

Intent examples train the intent head; ``urgency_*`` examples train the urgency head; both
share one vectoriser fitted on all texts, so a parse vectorises once. ``<level>.<reason>``
tables become the signal vocabulary; entity-named ``regex:`` tables, ``lookup: date`` and
``lookup: currency_*`` feed the entity extractor. When the given data has no tables of a kind
(say, a test file with only intents), the shipped tables of that kind are used.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from nlu.classifier import HeadConfig, fit_head, fit_vectoriser, to_matrix
from nlu.entities import ENTITY_NAMES
from nlu.features import FeatureConfig
from nlu.model import NluModel, Tables
from nlu.normalise import for_features
from nlu.signals import signal_tables
from nlu.training_data import SHIPPED_DATA_DIR, Example, TrainingData, read_training_data

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingConfig:
    """The choices training makes; the defaults are the ones cross-validation picked."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    intent_head: HeadConfig = field(default_factory=HeadConfig)
    urgency_head: HeadConfig = field(default_factory=lambda: HeadConfig(C=10.0))
    seed: int = 0


def _quiet(_: str) -> None:
    pass


def new_version(fingerprint: str, now: datetime | None = None) -> str:
    """A version name that sorts by creation time: ``20261123T004512123Z-1a2b3c4d``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{fingerprint[:8]}"


def tables_from(data: TrainingData, fallback: TrainingData | None = None) -> Tables:
    """The signal and entity tables of ``data``, each kind falling back to ``fallback``."""
    tables = _tables_of(data)
    if fallback is not None:
        shipped = _tables_of(fallback)
        if not tables.signal_lookups and not tables.signal_regexes:
            tables.signal_lookups = shipped.signal_lookups
            tables.signal_regexes = shipped.signal_regexes
        if not tables.entity_lookups and not tables.entity_regexes:
            tables.entity_lookups = shipped.entity_lookups
            tables.entity_regexes = shipped.entity_regexes
    return tables


def _tables_of(data: TrainingData) -> Tables:
    entity_lookups = {
        name: list(entries)
        for name, entries in data.lookups.items()
        if name == "date" or name.startswith("currency_")
    }
    return Tables(
        signal_lookups=signal_tables(data.lookups),
        signal_regexes=signal_tables(data.regexes),
        entity_regexes={n: list(e) for n, e in data.regexes.items() if n in ENTITY_NAMES},
        entity_lookups=entity_lookups,
    )


def _unique(examples: list[Example]) -> list[Example]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in examples:
        key = (e.intent, e.text)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def train(
    data: TrainingData,
    *,
    config: TrainingConfig | None = None,
    tables: Tables | None = None,
    progress: Progress = _quiet,
    calibrate: bool = True,
) -> NluModel:
    """Train a model on ``data``; ``tables`` default to the data's own (see module doc).

    Raises ``ValueError`` when the data has fewer than two intents.
    """
    config = config or TrainingConfig()
    started = time.perf_counter()
    intent_examples = _unique(data.intent_examples())
    urgency_examples = _unique(data.urgency_examples())
    intents = sorted({e.intent for e in intent_examples})
    if len(intents) < 2:
        raise ValueError("training data needs examples of at least two intents")
    progress(
        f"{len(intent_examples)} intent examples ({len(intents)} intents), "
        f"{len(urgency_examples)} urgency examples"
    )
    intent_texts = [for_features(e.text) for e in intent_examples]
    urgency_texts = [for_features(e.text) for e in urgency_examples]
    vectoriser = fit_vectoriser(intent_texts + urgency_texts, config.features)
    progress(f"features: {vectoriser.size} n-grams")

    head_config = _with_calibration(config.intent_head, calibrate)
    intent_head = fit_head(
        to_matrix(vectoriser, intent_texts),
        [e.intent for e in intent_examples],
        head_config,
        seed=config.seed,
    )
    progress(f"intent model trained (temperature {intent_head.temperature:.2f})")

    urgency_head = None
    if len({e.intent for e in urgency_examples}) >= 2:
        urgency_head = fit_head(
            to_matrix(vectoriser, urgency_texts),
            [e.intent for e in urgency_examples],
            _with_calibration(config.urgency_head, calibrate),
            seed=config.seed,
        )
        progress(f"urgency model trained (temperature {urgency_head.temperature:.2f})")
    else:
        progress("no urgency examples of two levels or more: urgency from signals only")

    if tables is None:
        tables = tables_from(data, _shipped_tables_data())
    fingerprint = data.fingerprint()
    version = new_version(fingerprint)
    manifest: dict[str, Any] = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_fingerprint": fingerprint,
        "data_files": [str(p) for p in data.files],
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "intents": intents,
        "urgency_levels": urgency_head.classes if urgency_head else [],
        "examples": {"intent": len(intent_examples), "urgency": len(urgency_examples)},
        "features": config.features.to_dict(),
        "intent_head": head_config.to_dict(),
        "urgency_head": config.urgency_head.to_dict(),
        "feature_count": vectoriser.size,
        "signal_tables": sorted(set(tables.signal_lookups) | set(tables.signal_regexes)),
        "training_seconds": round(time.perf_counter() - started, 2),
    }
    progress(f"trained in {manifest['training_seconds']} s")
    return NluModel(version, vectoriser, intent_head, urgency_head, tables, manifest)


def _with_calibration(config: HeadConfig, calibrate: bool) -> HeadConfig:
    if calibrate or not config.calibrate:
        return config
    return HeadConfig(kind=config.kind, C=config.C, calibrate=False)


def _shipped_tables_data() -> TrainingData | None:
    """The shipped data's tables (entities and signals), or None when they are absent."""
    try:
        data = TrainingData()
        for path in (SHIPPED_DATA_DIR / "entities.yml", SHIPPED_DATA_DIR / "signals"):
            if path.exists():
                data.merge(read_training_data(path))
        return data
    except Exception:  # a broken shipped file must not stop training on the caller's data
        log.warning("could not read the shipped entity and signal tables", exc_info=True)
        return None


def train_from_path(path: Path | None = None, *, progress: Progress = _quiet) -> NluModel:
    """Read Rasa data at ``path`` (default: the shipped data) and train on it."""
    source = path or SHIPPED_DATA_DIR
    progress(f"reading training data from {source}")
    data = read_training_data(source)
    progress(f"{len(data.files)} files read")
    return train(data, progress=progress)
