"""Text to sparse TF-IDF features, without scikit-learn at parse time.

Training fits scikit-learn's ``TfidfVectorizer`` with the analyzers below and keeps only its
vocabulary and IDF weights; parsing rebuilds the same vector here with plain dictionaries and
numpy. That keeps scikit-learn (about 0.8 s to import) out of ``nlu parse`` start-up and out
of model loading, and a test checks both give the same vector.

Two blocks are concatenated, each L2-normalised and weighted: character n-grams inside words
(robust to typos, inflection and Chinese without word boundaries; Chinese is converted to
simplified first so both scripts share features) and word n-grams (phrases).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"\w+")

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class FeatureConfig:
    """Which n-grams make the features, and how the blocks are weighted."""

    char_min: int = 1
    char_max: int = 4
    word_min: int = 1
    word_max: int = 2
    word_weight: float = 0.6
    min_df: int = 1
    sublinear_tf: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the model manifest."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureConfig:
        """Inverse of :meth:`to_dict`, ignoring unknown keys."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of each space-separated word, padded with a space on both sides.

    The same as scikit-learn's ``analyzer="char_wb"`` on already normalised text.
    """
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Word n-grams joined by a space (words are runs of word characters)."""
    words = _WORD.findall(text)
    grams: list[str] = []
    for n in range(lo, hi + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return grams


def analyzers(config: FeatureConfig) -> list[tuple[Callable[[str], list[str]], float]]:
    """The (analyzer, block weight) pairs the config describes, in block order."""
    return [
        (lambda t: char_ngrams(t, config.char_min, config.char_max), 1.0),
        (lambda t: word_ngrams(t, config.word_min, config.word_max), config.word_weight),
    ]


@dataclass
class Block:
    """One fitted TF-IDF block: vocabulary, IDF weights, position in the full vector."""

    vocabulary: dict[str, int]
    idf: FloatArray
    offset: int
    weight: float


class Vectoriser:
    """Normalised text to ``(indices, values)`` of its sparse TF-IDF vector."""

    def __init__(self, config: FeatureConfig, blocks: Sequence[Block]) -> None:
        self.config = config
        self.blocks = list(blocks)
        self._analyzers = [a for a, _ in analyzers(config)]
        self.size = sum(len(b.vocabulary) for b in self.blocks)

    def transform(self, text: str) -> tuple[IndexArray, FloatArray]:
        """The sparse vector of one text already passed through ``for_features``."""
        all_idx: list[int] = []
        all_val: list[float] = []
        for analyzer, block in zip(self._analyzers, self.blocks, strict=True):
            vocab = block.vocabulary
            # filter() with a bound C method keeps this loop out of Python bytecode.
            counts = Counter(filter(vocab.__contains__, analyzer(text)))
            if not counts:
                continue
            idx = [vocab[g] for g in counts]
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if self.config.sublinear_tf:
                tf = np.log(tf) + 1.0
            vals = tf * block.idf[idx]
            norm = math.sqrt(float(vals @ vals))
            if norm == 0.0:
                continue
            vals *= block.weight / norm
            all_idx.extend(i + block.offset for i in idx)
            all_val.extend(vals.tolist())
        return (
            np.asarray(all_idx, dtype=np.int32),
            np.asarray(all_val, dtype=np.float32),
        )

    def to_state(self) -> dict[str, Any]:
        """Picklable plain data (no classes of this package), for the model store."""
        return {
            "config": self.config.to_dict(),
            "blocks": [
                {"vocabulary": b.vocabulary, "idf": b.idf, "offset": b.offset, "weight": b.weight}
                for b in self.blocks
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Vectoriser:
        """Inverse of :meth:`to_state`."""
        return cls(
            FeatureConfig.from_dict(state["config"]),
            [
                Block(
                    vocabulary=b["vocabulary"],
                    idf=np.asarray(b["idf"], dtype=np.float32),
                    offset=int(b["offset"]),
                    weight=float(b["weight"]),
                )
                for b in state["blocks"]
            ],
        )


@dataclass
class LinearHead:
    """A linear classifier: softmax((x·W + e·D + b) / temperature) gives probabilities.

    ``x`` is the sparse TF-IDF vector; ``e`` an optional dense sentence embedding, used only
    by heads trained with one (``dense_coef`` set).
    """

    classes: list[str]
    coef: FloatArray  # (features, classes), row-gathered per message
    intercept: FloatArray
    temperature: float = 1.0
    dense_coef: FloatArray | None = None  # (embedding dimensions, classes)
    # The highest probability this head has earned: its accuracy on held-out folds among
    # its most confident answers. A linear model on a few thousand sentences is never
    # certain, so a 0.99999 softmax is shown as this instead of 1.0.
    max_confidence: float = 1.0
    # Held-out fold probabilities from training (rows = training examples); not stored.
    held_out: npt.NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def probabilities(
        self, idx: IndexArray, val: FloatArray, dense: FloatArray | None = None
    ) -> FloatArray:
        """Class probabilities (same order as ``classes``) for one message."""
        scores = val @ self.coef[idx] + self.intercept if len(idx) else self.intercept.copy()
        if self.dense_coef is not None and dense is not None:
            scores = scores + dense @ self.dense_coef
        scores = scores.astype(np.float64) / self.temperature  # float64: tiny tails survive
        scores -= scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        top = int(probs.argmax())
        if probs[top] > self.max_confidence:
            # Give the excess to the other classes in proportion, so the sum stays 1.
            rest = 1.0 - probs[top]
            share = (
                probs * ((1.0 - self.max_confidence) / rest)
                if rest > 0
                else np.full_like(probs, (1.0 - self.max_confidence) / (len(probs) - 1))
            )
            share[top] = self.max_confidence
            probs = share
        return probs.astype(np.float32)

    def to_state(self) -> dict[str, Any]:
        """Picklable plain data, for the model store."""
        return {
            "classes": list(self.classes),
            "coef": self.coef,
            "intercept": self.intercept,
            "temperature": self.temperature,
            "dense_coef": self.dense_coef,
            "max_confidence": self.max_confidence,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LinearHead:
        """Inverse of :meth:`to_state`."""
        dense = state.get("dense_coef")
        return cls(
            classes=list(state["classes"]),
            coef=np.ascontiguousarray(state["coef"], dtype=np.float32),
            intercept=np.asarray(state["intercept"], dtype=np.float32),
            temperature=float(state["temperature"]),
            dense_coef=None if dense is None else np.ascontiguousarray(dense, dtype=np.float32),
            max_confidence=float(state.get("max_confidence", 1.0)),
        )
