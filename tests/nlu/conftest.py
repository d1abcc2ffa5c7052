"""Shared fixtures: small and shipped training data, and models trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.model import NluModel
from nlu.store import ModelStore
from nlu.trainer import train
from nlu.training_data import SHIPPED_DATA_DIR, read_training_data

SMALL_DATA = Path(__file__).parent / "data" / "small.yml"


@pytest.fixture(scope="session")
def small_data_path() -> Path:
    """A tiny Rasa file (four intents, four languages) for fast training."""
    return SMALL_DATA


@pytest.fixture(scope="session")
def small_model() -> NluModel:
    """A model trained on the tiny file (a second or so)."""
    return train(read_training_data(SMALL_DATA))


@pytest.fixture(scope="session")
def shipped_model() -> NluModel:
    """A model trained on the shipped data, once per test session."""
    return train(read_training_data(SHIPPED_DATA_DIR))


@pytest.fixture(scope="session")
def shipped_data_dir(tmp_path_factory: pytest.TempPathFactory, shipped_model: NluModel) -> Path:
    """A gateway data directory holding the shipped model; tests must not add versions."""
    data_dir = tmp_path_factory.mktemp("shipped-data-dir")
    ModelStore(data_dir / "models").save(shipped_model)
    return data_dir


@pytest.fixture
def small_data_dir(tmp_path: Path, small_model: NluModel) -> Path:
    """A fresh data directory holding the small model as its only version."""
    ModelStore(tmp_path / "models").save(small_model)
    return tmp_path
