"""NluService: loading, first-start training, and hot reload under concurrent parses."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from nlu import NluService, ParseResult
from nlu.model import NluModel
from nlu.store import ModelStore
from nlu.trainer import train
from nlu.training_data import read_training_data

MESSAGES = ["hi", "转人工", "退款¥399还没到账", "посылка не пришла", "", "😡😡😡", "請問"]


def assert_valid(result: ParseResult, text: str) -> None:
    out = result.to_dict()
    if not text.strip():
        assert out == {}
        return
    assert out["text"] == text
    assert out["intent"]["name"] == out["intent_ranking"][0]["name"]
    assert out["urgency"]["level"] in {"low", "normal", "high", "critical"}


def test_load_picks_the_newest_version(small_data_dir: Path) -> None:
    service = NluService(small_data_dir)
    service.load()
    assert service.model_version == ModelStore(small_data_dir / "models").latest()


def test_load_trains_from_shipped_data_when_no_model_exists(
    tmp_path: Path, small_data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nlu.trainer

    monkeypatch.setattr(nlu.trainer, "SHIPPED_DATA_DIR", small_data_path)
    messages: list[str] = []
    service = NluService(tmp_path)
    service.load(progress=messages.append)
    assert service.model_version
    assert ModelStore(tmp_path / "models").versions() == [service.model_version]
    assert any("training" in m for m in messages)


def test_reload_is_false_when_nothing_newer(small_data_dir: Path) -> None:
    service = NluService(small_data_dir)
    service.load()
    assert service.reload() is False


def test_reload_under_concurrent_parses(small_data_dir: Path, small_data_path: Path) -> None:
    service = NluService(small_data_dir)
    service.load()
    before = service.model_version
    errors: list[BaseException] = []
    stop = threading.Event()
    parsed = [0]

    def worker() -> None:
        try:
            while not stop.is_set():
                for text in MESSAGES:
                    assert_valid(service.parse_sync(text), text)
                    parsed[0] += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        newer = train(read_training_data(small_data_path))
        ModelStore(small_data_dir / "models").save(newer)
        assert service.reload() is True
        for text in MESSAGES:
            assert_valid(service.parse_sync(text), text)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert parsed[0] > 0
    assert service.model_version == newer.version != before


async def test_watcher_picks_up_a_new_version_while_parsing(
    small_data_dir: Path, small_model: NluModel
) -> None:
    service = NluService(small_data_dir)
    service.load()
    before = service.model_version
    task = asyncio.create_task(service.watch(0.05))
    newer = small_model.renamed("29990101T000000000Z-00000000")
    await asyncio.to_thread(ModelStore(small_data_dir / "models").save, newer)
    for _ in range(200):
        for text in MESSAGES:
            assert_valid(await service.parse(text), text)
        if service.model_version != before:
            break
        await asyncio.sleep(0.02)
    assert service.model_version == newer.version
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_watch_task_can_be_cancelled(small_data_dir: Path) -> None:
    service = NluService(small_data_dir)
    service.load()
    task = asyncio.create_task(service.watch(0.01))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
