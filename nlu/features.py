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
    """One fitted TF-IDF block: its n-grams, IDF weights and position in the full vector.

    The n-grams are a sorted numpy string array (``terms``) with each one's column
    (``columns``), looked up by binary search rather than in a Python dict: the arrays are
    memory-mapped from the model files, so loading costs no time and only the pages a parse
    touches are read (a dict of the 170,000 shipped n-grams took 0.4 s to unpickle).
    """

    terms: npt.NDArray[np.str_]
    columns: IndexArray
    idf: FloatArray
    offset: int
    weight: float

    @classmethod
    def from_vocabulary(
        cls, vocabulary: Mapping[str, int], idf: FloatArray, offset: int, weight: float
    ) -> Block:
        """A block from a ``{n-gram: column}`` vocabulary such as scikit-learn's."""
        terms = sorted(vocabulary)
        return cls(
            terms=np.asarray(terms, dtype=np.str_) if terms else np.zeros(0, dtype="<U1"),
            columns=np.asarray([vocabulary[t] for t in terms], dtype=np.int32),
            idf=idf,
            offset=offset,
            weight=weight,
        )

    @property
    def vocabulary(self) -> dict[str, int]:
        """``{n-gram: column}``, built on demand (parsing never needs it)."""
        return {str(t): int(c) for t, c in zip(self.terms, self.columns, strict=True)}

    def lookup(self, grams: list[str]) -> tuple[IndexArray, npt.NDArray[np.int64]]:
        """The columns of the known n-grams among ``grams`` and how often each occurs."""
        if not grams or not len(self.terms):
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        wanted = np.asarray(grams, dtype=np.str_)
        pos = np.searchsorted(self.terms, wanted)
        np.minimum(pos, len(self.terms) - 1, out=pos)
        known = pos[self.terms[pos] == wanted]
        found, counts = np.unique(known, return_counts=True)
        return self.columns[found], counts


class Vectoriser:
    """Normalised text to ``(indices, values)`` of its sparse TF-IDF vector."""

    def __init__(self, config: FeatureConfig, blocks: Sequence[Block]) -> None:
        self.config = config
        self.blocks = list(blocks)
        self._analyzers = [a for a, _ in analyzers(config)]
        self.size = sum(len(b.terms) for b in self.blocks)

    def transform(self, text: str) -> tuple[IndexArray, FloatArray]:
        """The sparse vector of one text already passed through ``for_features``."""
        all_idx: list[IndexArray] = []
        all_val: list[FloatArray] = []
        for analyzer, block in zip(self._analyzers, self.blocks, strict=True):
            columns, counts = block.lookup(analyzer(text))
            if not len(columns):
                continue
            tf = counts.astype(np.float64)
            if self.config.sublinear_tf:
                tf = np.log(tf) + 1.0
            vals = tf * block.idf[columns]
            norm = math.sqrt(float(vals @ vals))
            if norm == 0.0:
                continue
            vals *= block.weight / norm
            all_idx.append((columns + block.offset).astype(np.int32))
            all_val.append(vals.astype(np.float32))
        if not all_idx:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return np.concatenate(all_idx), np.concatenate(all_val)

    def to_state(self) -> dict[str, Any]:
        """Plain data (dicts, lists, numpy arrays) for the model store."""
        return {
            "config": self.config.to_dict(),
            "blocks": [
                {
                    "terms": b.terms,
                    "columns": b.columns,
                    "idf": b.idf,
                    "offset": b.offset,
                    "weight": b.weight,
                }
                for b in self.blocks
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Vectoriser:
        """Inverse of :meth:`to_state`; arrays are kept as given, so memory maps stay maps."""
        return cls(
            FeatureConfig.from_dict(state["config"]),
            [
                Block(
                    terms=b["terms"],
                    columns=b["columns"],
                    idf=b["idf"],
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
    # A monotone map from the top probability to the accuracy measured at it on held-out
    # folds of the training data (breakpoints for numpy.interp), or None.
    confidence_map: tuple[list[float], list[float]] | None = None
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
        target = float(probs[top])
        if self.confidence_map is not None:  # the accuracy measured at this confidence
            target = float(np.interp(target, *self.confidence_map))
        target = min(target, self.max_confidence)
        if target != probs[top]:
            probs = _with_top(probs, top, target)
        return probs.astype(np.float32)

    def to_state(self) -> dict[str, Any]:
        """Plain data (lists, numbers, numpy arrays) for the model store."""
        return {
            "classes": list(self.classes),
            "coef": self.coef,
            "intercept": self.intercept,
            "temperature": self.temperature,
            "dense_coef": self.dense_coef,
            "max_confidence": self.max_confidence,
            "confidence_map": list(self.confidence_map) if self.confidence_map else None,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LinearHead:
        """Inverse of :meth:`to_state`."""
        dense = state.get("dense_coef")
        cmap = state.get("confidence_map")
        return cls(
            classes=list(state["classes"]),
            coef=np.ascontiguousarray(state["coef"], dtype=np.float32),
            intercept=np.asarray(state["intercept"], dtype=np.float32),
            temperature=float(state["temperature"]),
            dense_coef=None if dense is None else np.ascontiguousarray(dense, dtype=np.float32),
            max_confidence=float(state.get("max_confidence", 1.0)),
            confidence_map=(list(cmap[0]), list(cmap[1])) if cmap else None,
        )


def _with_top(probs: npt.NDArray[np.float64], top: int, target: float) -> FloatArray:
    """``probs`` with the top class set to ``target`` and the rest rescaled in proportion,
    so they still sum to 1; the top class stays first (raised just enough if needed)."""
    rest = 1.0 - probs[top]
    others = np.delete(probs, top)
    if rest <= 0:
        out = np.full_like(probs, (1.0 - target) / max(len(probs) - 1, 1))
    else:
        # The runner-up after rescaling is second * (1 - t) / rest; keep t at least that.
        second = float(others.max()) if len(others) else 0.0
        target = max(target, second / (rest + second)) if second > 0 else target
        out = probs * ((1.0 - target) / rest)
    out[top] = target
    return out.astype(np.float32)
