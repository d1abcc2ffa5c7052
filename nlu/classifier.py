"""Fitting the features and linear heads with scikit-learn (training and evaluation only).

Parsing never imports this module: the fitted vocabulary, IDF weights and coefficients are
copied into :mod:`nlu.features` objects made of plain dicts and numpy arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from nlu.features import Block, FeatureConfig, LinearHead, Vectoriser, analyzers


@dataclass(frozen=True)
class HeadConfig:
    """Which linear classifier, and its regularisation (larger ``C`` fits the data closer)."""

    kind: str = "svm"  # "svm" (LinearSVC) or "logreg" (LogisticRegression)
    C: float = 1.0
    calibrate: bool = True  # fit a softmax temperature on held-out folds

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the model manifest."""
        return asdict(self)


def fit_vectoriser(texts: Sequence[str], config: FeatureConfig) -> Vectoriser:
    """Fit the TF-IDF blocks on normalised texts."""
    blocks = []
    offset = 0
    for analyzer, weight in analyzers(config):
        tfidf = TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=config.sublinear_tf,
            min_df=config.min_df,
            dtype=np.float32,
        )
        tfidf.fit(texts)
        vocabulary = {str(k): int(v) for k, v in tfidf.vocabulary_.items()}
        blocks.append(
            Block.from_vocabulary(
                vocabulary, np.asarray(tfidf.idf_, dtype=np.float32), offset, weight
            )
        )
        offset += len(vocabulary)
    return Vectoriser(config, blocks)


def to_matrix(vectoriser: Vectoriser, texts: Sequence[str]) -> sp.csr_matrix:
    """The vectors of many normalised texts as one CSR matrix (rows in order)."""
    indptr = [0]
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for text in texts:
        idx, val = vectoriser.transform(text)
        indices.append(idx)
        values.append(val)
        indptr.append(indptr[-1] + len(idx))
    return sp.csr_matrix(
        (
            np.concatenate(values) if values else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=(len(texts), vectoriser.size),
    )


def _estimator(config: HeadConfig, seed: int) -> Any:
    if config.kind == "svm":
        return LinearSVC(C=config.C, random_state=seed)
    if config.kind == "logreg":
        return LogisticRegression(C=config.C, max_iter=2000, random_state=seed)
    raise ValueError(f"unknown classifier kind {config.kind!r}")


def _scores_to_head(
    coef: np.ndarray,
    intercept: np.ndarray,
    classes: list[str],
    sparse_size: int,
    dense_weight: float,
) -> LinearHead:
    if coef.shape[0] == 1:  # binary: softmax over (0, s) equals sigmoid(s)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    dense = None
    if coef.shape[1] > sparse_size:
        # The embedding was scaled by dense_weight for training; fold the scale into the
        # coefficients so parsing multiplies the raw embedding.
        dense = np.ascontiguousarray(coef[:, sparse_size:].T * dense_weight, dtype=np.float32)
    return LinearHead(
        classes=classes,
        coef=np.ascontiguousarray(coef[:, :sparse_size].T, dtype=np.float32),
        intercept=np.asarray(intercept, dtype=np.float32),
        dense_coef=dense,
    )


def fit_head(
    matrix: sp.csr_matrix,
    labels: Sequence[str],
    config: HeadConfig,
    *,
    seed: int = 0,
    dense: np.ndarray | None = None,
    dense_weight: float = 1.0,
) -> LinearHead:
    """Fit one classifier on the sparse features (plus ``dense`` embeddings, scaled by
    ``dense_weight``, when given); with ``calibrate``, also its softmax temperature on
    held-out folds."""
    y = np.asarray(labels)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"need at least two classes to train, got {classes}")
    features = matrix
    if dense is not None:
        features = sp.hstack([matrix, sp.csr_matrix(dense * dense_weight)], format="csr")
    estimator = _estimator(config, seed).fit(features, y)
    head = _scores_to_head(
        np.asarray(estimator.coef_),
        np.asarray(estimator.intercept_),
        [str(c) for c in estimator.classes_],
        matrix.shape[1],
        dense_weight,
    )
    if config.calibrate:
        head.temperature, head.max_confidence, head.held_out = _fit_temperature(
            features, y, config, seed, head.classes
        )
    return head


CONFIDENT = 0.99
"""Held-out answers at least this sure decide how sure the head may ever say it is."""


def _fit_temperature(
    matrix: sp.csr_matrix, y: np.ndarray, config: HeadConfig, seed: int, classes: list[str]
) -> tuple[float, float, np.ndarray | None]:
    """The temperature that minimises held-out log loss of softmax(scores / T), the
    highest confidence the head has earned (see :func:`earned_confidence`) and the
    held-out probabilities themselves (one row per training example)."""
    counts = np.unique(y, return_counts=True)[1]
    folds = int(min(5, counts.min()))
    if folds < 2:
        return 1.0, 1.0, None
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_predict(
        _estimator(config, seed), matrix, y, cv=cv, method="decision_function"
    )
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = np.column_stack([np.zeros_like(scores), scores])
    truth = np.searchsorted(np.asarray(classes), y)
    best_t, best_loss = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.02), np.log(20.0), 70)):
        z = scores / t
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = float(-log_p[np.arange(len(y)), truth].mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    z = scores / best_t
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return best_t, earned_confidence(p.max(axis=1), p.argmax(axis=1) == truth), p


def earned_confidence(top: np.ndarray, correct: np.ndarray) -> float:
    """The accuracy (Laplace-smoothed: one more error, one more answer) of the held-out
    answers given with at least :data:`CONFIDENT`; 1 error in 50 such answers caps the
    head at about 0.96. No such answers: the cap is :data:`CONFIDENT` itself. Never below
    0.5, so a capped answer still ranks first."""
    sure = top >= CONFIDENT
    n = int(sure.sum())
    if not n:
        return CONFIDENT
    return float(max(0.5, (int(correct[sure].sum()) + 1) / (n + 2)))


def fit_confidence_map(
    confidences: Sequence[float], correct: Sequence[bool]
) -> tuple[list[float], list[float]]:
    """A monotone map from a raw confidence to the accuracy seen at it (isotonic
    regression), as breakpoints for ``numpy.interp``; never above :data:`CONFIDENT`."""
    iso = IsotonicRegression(y_min=0.0, y_max=CONFIDENT, out_of_bounds="clip")
    iso.fit(np.asarray(confidences, dtype=np.float64), np.asarray(correct, dtype=np.float64))
    return [float(x) for x in iso.X_thresholds_], [float(y) for y in iso.y_thresholds_]
