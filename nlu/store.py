"""Versioned model files: ``<data_dir>/models/<version>/`` with ``model.pkl`` and ``manifest.json``.

A version is written into a hidden temporary folder and renamed into place, so a reader sees a
whole version or none. Version names sort by creation time, so the newest is the largest name.
Old versions are kept (the last :data:`KEEP_VERSIONS`) for rollback and for processes still
loading them.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from nlu.model import NluModel

log = logging.getLogger(__name__)

MODEL_FILE = "model.pkl"
MANIFEST_FILE = "manifest.json"
KEEP_VERSIONS = 5


class ModelStore:
    """The model versions under one folder (usually ``<data_dir>/models``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        return sorted(
            e.name
            for e in entries
            if e.is_dir()
            and not e.name.startswith(".")
            and os.path.exists(os.path.join(e.path, MANIFEST_FILE))
        )

    def latest(self) -> str | None:
        """The newest complete version, or None."""
        versions = self.versions()
        return versions[-1] if versions else None

    def path(self, version: str) -> Path:
        """The folder of a version."""
        return self.root / version

    def manifest(self, version: str) -> dict[str, Any]:
        """A version's manifest."""
        data: dict[str, Any] = json.loads(
            (self.path(version) / MANIFEST_FILE).read_text(encoding="utf-8")
        )
        return data

    def load(self, version: str | None = None) -> NluModel:
        """Load a version (default: the newest). Raises ``FileNotFoundError`` when none exists."""
        version = version or self.latest()
        if version is None:
            raise FileNotFoundError(f"no model in {self.root}")
        folder = self.path(version)
        with open(folder / MODEL_FILE, "rb") as fh:
            # Only files this package wrote into the data directory are loaded.
            state = pickle.load(fh)
        return NluModel.from_state(state, self.manifest(version))

    def save(self, model: NluModel) -> Path:
        """Write ``model`` as a new version atomically, prune old versions; return its folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(model.version)
        tmp = Path(tempfile.mkdtemp(prefix=f".{model.version}.", dir=self.root))
        try:
            with open(tmp / MODEL_FILE, "wb") as fh:
                pickle.dump(model.to_state(), fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            manifest = dict(model.manifest, version=model.version)
            (tmp / MANIFEST_FILE).write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            os.chmod(tmp, 0o755)
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.prune()
        return target

    def prune(self, keep: int = KEEP_VERSIONS) -> list[str]:
        """Delete all but the newest ``keep`` versions (and stale temporary folders)."""
        removed = []
        for version in self.versions()[:-keep] if keep > 0 else []:
            shutil.rmtree(self.path(version), ignore_errors=True)
            removed.append(version)
        if removed:
            log.info("pruned old model versions: %s", ", ".join(removed))
        # A temporary folder older than an hour was left by a training that died mid-write.
        cutoff = time.time() - 3600
        for entry in os.scandir(self.root):
            if entry.name.startswith(".") and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)
        return removed

    def size_bytes(self, version: str) -> int:
        """Bytes on disk of one version."""
        return sum(p.stat().st_size for p in self.path(version).iterdir() if p.is_file())
