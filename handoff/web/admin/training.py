"""Training the NLU in the background, with its progress in the database.

The job row is the only state, so any gateway process answers `GET .../jobs/{id}`; the
process that took the request trains in a worker thread (the event loop stays free),
stores the model, and switches to it before the job reads `done`; the other processes pick
the new version up within seconds from the model store.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.clock import Clock
from gateway.db.engine import Database
from handoff.schema import nlu_jobs
from handoff.web.admin.nlu_data import ExampleFiles
from nlu import NluService
from nlu.store import ModelStore

log = logging.getLogger(__name__)

#: The trainer's progress lines, in order, and how far along each one means it is.
_STAGES = (
    ("features:", 0.25),
    ("TF-IDF models trained", 0.5),
    ("embedding ", 0.6),
    ("embedding models trained", 0.85),
    ("sentence embeddings unavailable", 0.85),
    ("trained in", 0.9),
)
#: A job not heard from for this long died with its process; another may start.
STALE_AFTER = timedelta(minutes=10)


class TrainingBusy(Exception):
    """A training is already queued or running."""


def queue_job(conn: Connection, author: str, now: datetime) -> int:
    busy = conn.scalar(
        sa.select(nlu_jobs.c.id).where(
            nlu_jobs.c.state.in_(("queued", "running")),
            nlu_jobs.c.updated_at > now - STALE_AFTER,
        )
    )
    if busy is not None:
        raise TrainingBusy(busy)
    job = conn.scalar(
        sa.insert(nlu_jobs)
        .values(state="queued", progress=0.0, author=author, created_at=now, updated_at=now)
        .returning(nlu_jobs.c.id)
    )
    assert job is not None
    return int(job)


def job_state(conn: Connection, job: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(nlu_jobs).where(nlu_jobs.c.id == job)).first()
    if row is None:
        return None
    found = {"id": row.id, "state": row.state, "progress": row.progress, "model": row.model}
    if row.error:
        found["error"] = row.error
    return found


def _update(conn: Connection, job: int, now: datetime, **values: Any) -> None:
    conn.execute(sa.update(nlu_jobs).where(nlu_jobs.c.id == job).values(updated_at=now, **values))


async def run_job(
    job: int, database: Database, nlu: NluService, data_dir: Path, clock: Clock
) -> None:
    """Trains on the working examples; the job ends `done` with the model, or `failed`."""
    progress = [0.05]

    def heard(line: str) -> None:
        for prefix, share in _STAGES:
            if line.startswith(prefix):
                progress[0] = max(progress[0], share)

    def work() -> str:
        from nlu.trainer import train  # scikit-learn: seconds to import, only when training

        model = train(ExampleFiles(data_dir).training_data(), progress=heard)
        ModelStore(data_dir / "models").save(model)
        nlu.reload()
        return model.version

    async def record(**values: Any) -> None:
        now = clock()
        await database.write(lambda conn: _update(conn, job, now, **values))

    await record(state="running", progress=progress[0])
    task = asyncio.get_running_loop().run_in_executor(None, work)
    shown = progress[0]
    try:
        while not task.done():
            await asyncio.wait([task], timeout=0.3)
            if progress[0] != shown:
                shown = progress[0]
                await record(progress=shown)
        version = task.result()
    except Exception as exc:
        log.exception("NLU training job %s failed", job)
        await record(state="failed", error=str(exc)[:2000])
        return
    await record(state="done", progress=1.0, model=version)
