"""Each model version's scores on the shipped held-out set, kept beside the data.

A version never changes, so neither does its score: one is computed once (seconds: the
model is loaded and parses every held-out sentence), written to
`<data_dir>/model_scores/<version>.json`, and read by every process from then on. Older
versions are loaded one at a time and only for scoring or a side-by-side parse.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from gateway.blobs import store_blob
from nlu import NluService
from nlu.model import NluModel
from nlu.training_data import HELD_OUT_DIR, TrainingData, read_training_data

SCORES_DIR = "model_scores"
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,100}")


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The figures shown beside a version: the report's headline numbers."""
    urgency = report.get("urgency") or {}
    return {
        "macro_f1": report.get("macro_f1"),
        "weighted_f1": report.get("weighted_f1"),
        "accuracy": report.get("accuracy"),
        "examples": report.get("intent_examples"),
        "urgency_accuracy": urgency.get("accuracy"),
        "critical_recall": urgency.get("critical_recall"),
        "languages": {
            language: figures.get("macro_f1")
            for language, figures in (report.get("languages") or {}).items()
        },
    }


class ModelScores:
    """The scores of every version under `<data_dir>/models`, computed on first request."""

    def __init__(self, nlu: NluService, data_dir: Path) -> None:
        self._nlu = nlu
        self._dir = data_dir / SCORES_DIR
        self._lock = threading.Lock()  # one model loaded for scoring at a time
        self._other: NluModel | None = None  # the last version loaded besides the one in use

    def known(self, version: str) -> dict[str, Any] | None:
        """The version's scores if computed already (by any process), else None."""
        if not _VERSION.fullmatch(version):
            return None
        try:
            found: dict[str, Any] = json.loads((self._dir / f"{version}.json").read_text())
        except (OSError, ValueError):
            return None
        return found

    def model(self, version: str) -> NluModel:
        """The model of `version`: the one in use, or loaded from the store (kept until
        another version is asked for). Raises FileNotFoundError for an unknown version."""
        current = self._nlu.model
        if current.version == version:
            return current
        if version not in self._nlu.store.versions():
            raise FileNotFoundError(version)
        with self._lock:
            if self._other is None or self._other.version != version:
                self._other = self._nlu.store.load(version)
            return self._other

    def report(self, version: str) -> dict[str, Any]:
        """The full held-out report of `version`; its summary is kept for the list."""
        from nlu.evaluation import evaluate_on_test  # scikit-learn: not in every web process

        model = self.model(version)
        report = evaluate_on_test(TrainingData(), read_training_data(HELD_OUT_DIR), model=model)
        found = report.to_dict()
        scores = summary(found)
        store_blob(self._dir, f"{version}.json", json.dumps(scores).encode())
        return found

    def scores(self, version: str) -> dict[str, Any]:
        """The version's scores, computing them if no process has yet."""
        return self.known(version) or summary(self.report(version))
