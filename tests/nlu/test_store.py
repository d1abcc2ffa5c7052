"""Versioned model files: atomic writes, newest wins, old versions pruned."""

from __future__ import annotations

from pathlib import Path

from nlu.model import NluModel
from nlu.store import KEEP_VERSIONS, MANIFEST_FILE, ModelStore
from nlu.trainer import new_version


def test_save_and_load_round_trip(tmp_path: Path, small_model: NluModel) -> None:
    store = ModelStore(tmp_path)
    store.save(small_model)
    assert store.versions() == [small_model.version]
    loaded = store.load()
    text = "退款¥399还没到"
    assert loaded.parse(text).to_dict() == small_model.parse(text).to_dict()
    manifest = store.manifest(small_model.version)
    assert manifest["version"] == small_model.version
    assert {"created_at", "data_fingerprint", "sklearn_version", "intents"} <= set(manifest)


def test_newest_version_wins_and_old_ones_are_pruned(tmp_path: Path, small_model: NluModel) -> None:
    store = ModelStore(tmp_path)
    names = [f"2026010{i}T000000000Z-abcdef01" for i in range(1, 8)]
    for name in names:
        store.save(small_model.renamed(name))
    assert store.latest() == names[-1]
    assert store.versions() == names[-KEEP_VERSIONS:]


def test_half_written_versions_are_invisible(tmp_path: Path, small_model: NluModel) -> None:
    store = ModelStore(tmp_path)
    store.save(small_model)
    (tmp_path / ".20991231T000000000Z-tmp").mkdir()
    (tmp_path / "20991231T000000000Z-nomanifest").mkdir()
    assert store.versions() == [small_model.version]


def test_version_names_sort_by_time() -> None:
    from datetime import UTC, datetime

    early = new_version("f" * 64, datetime(2026, 1, 1, 0, 0, 0, 1000, tzinfo=UTC))
    late = new_version("0" * 64, datetime(2026, 1, 1, 0, 0, 0, 2000, tzinfo=UTC))
    assert early < late


def test_manifest_is_json(tmp_path: Path, small_model: NluModel) -> None:
    store = ModelStore(tmp_path)
    folder = store.save(small_model)
    assert (folder / MANIFEST_FILE).read_text(encoding="utf-8").startswith("{")


def test_versions_are_json_and_npy_without_pickle(tmp_path: Path, small_model: NluModel) -> None:
    folder = ModelStore(tmp_path).save(small_model)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert "model.json" in files and not any(f.endswith((".pkl", ".pickle")) for f in files)
    assert any(f.startswith("arrays/") and f.endswith(".npy") for f in files)
    loaded = ModelStore(tmp_path).load()
    coef = loaded.heads.intent.coef
    assert not coef.flags.writeable  # a read-only memory map, not a copy
