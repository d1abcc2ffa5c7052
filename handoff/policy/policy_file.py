"""Watches the policy TOML file and stores each change as a new policy version."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from gateway.clock import Clock
from gateway.db.engine import Database
from handoff.policy.policy_store import PolicyError, sync_policy_file

log = logging.getLogger(__name__)


class PolicyFileWatcher:
    def __init__(self, path: Path, database: Database, clock: Clock) -> None:
        self._path = path
        self._db = database
        self._clock = clock
        self._seen: float | None = None

    async def sync(self) -> None:
        """Stores the file's policy if it changed; a bad file is logged and the policy in
        force stays, so a typo never stops intake."""
        try:
            self._seen = self._path.stat().st_mtime
            version = await self._db.write(sync_policy_file, self._path, self._clock())
        except (OSError, PolicyError) as exc:
            log.error("policy file not applied, the current policy stays: %s", exc)
            return
        if version is not None:
            log.info("policy file %s stored as version %s", self._path, version)

    async def watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                changed = self._path.stat().st_mtime != self._seen
            except OSError:
                changed = False
            if changed:
                await self.sync()
