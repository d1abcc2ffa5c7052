"""The facade the gateway uses: load, parse (built-in or through Rasa), hot reload.

The current model is one reference swapped atomically: a parse takes the reference once at
its start, so a reload never changes a model under a running parse, and no lock is needed on
the parse path.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlu.embedding import set_weights_cache
from nlu.model import NluModel
from nlu.result import Entity, IntentScore, ParseResult
from nlu.store import ModelStore

if TYPE_CHECKING:
    from nlu.rasa_client import RasaClient

log = logging.getLogger(__name__)

ENCODER_FOLDER = "encoder"
"""The sentence encoder's memory-mapped weights live in ``<data_dir>/models/encoder``."""

FALLBACK_WARNING_INTERVAL = 60.0
"""Seconds between two warnings that Rasa is unreachable (one per failure would flood logs)."""


class NluService:
    """Async facade over the model store and, optionally, a Rasa server; thread-safe reload."""

    def __init__(self, data_dir: Path, rasa_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = ModelStore(self.data_dir / "models")
        set_weights_cache(self.data_dir / "models" / ENCODER_FOLDER)
        self._model: NluModel | None = None
        self._reload_lock = threading.Lock()
        self._rasa: RasaClient | None = None
        if rasa_url:
            # Imported here so `nlu parse` does not pay for aiohttp (about 0.13 s) at start.
            from nlu.rasa_client import RasaClient

            self._rasa = RasaClient(rasa_url)
        self._last_fallback_warning = float("-inf")

    # -- loading ---------------------------------------------------------------------------

    def load(self, progress: Callable[[str], None] | None = None) -> None:
        """Load the newest stored model; when there is none, train one from the shipped data.

        Training logs its progress (or reports it to ``progress``); loading an existing
        model takes well under a second.
        """
        with self._reload_lock:
            model = self._load_newest()
            if model is None:
                model = self._train_shipped(progress)
            self._model = model
        # Load the sentence encoder (~1 s) now rather than during the first customer message.
        embeddings = model.uses_embeddings
        log.info("NLU model %s loaded (sentence embeddings: %s)", model.version, embeddings)

    def _load_newest(self) -> NluModel | None:
        # Newest first; a version that fails to load (disk trouble, old format) is skipped.
        for version in reversed(self.store.versions()):
            try:
                return self.store.load(version)
            except Exception:
                log.exception("could not load NLU model %s; trying an older one", version)
        return None

    def _train_shipped(self, progress: Callable[[str], None] | None) -> NluModel:
        from nlu.trainer import train_from_path  # scikit-learn only when training

        report = progress or (lambda message: log.info("NLU training: %s", message))
        report(f"no NLU model in {self.store.root}; training one from the shipped data")
        model = train_from_path(progress=report)
        self.store.save(model)
        report(f"stored NLU model {model.version}")
        return model

    @property
    def model(self) -> NluModel:
        """The current model (loading it first if needed)."""
        model = self._model
        if model is None:
            self.load()
            model = self._model
            assert model is not None
        return model

    @property
    def model_version(self) -> str:
        """The version of the current model ("" before :meth:`load`)."""
        return self._model.version if self._model is not None else ""

    def reload(self) -> bool:
        """Swap to the newest stored version if it is newer than the current; True if swapped.

        Parses already running finish on the model they started with.
        """
        with self._reload_lock:
            latest = self.store.latest()
            current = self.model_version
            if latest is None or (current and latest <= current):
                return False
            try:
                model = self.store.load(latest)
            except Exception:
                log.exception("could not load NLU model %s; keeping %s", latest, current)
                return False
            self._model = model
        log.info("NLU model reloaded: %s -> %s", current or "(none)", latest)
        return True

    async def watch(self, interval: float = 2.0) -> None:
        """Poll the model store and reload when training wrote a newer version; runs until
        cancelled (the gateway runs it as a task and cancels it at shutdown)."""
        while True:
            await asyncio.sleep(interval)
            try:
                latest = await asyncio.to_thread(self.store.latest)
                if latest is not None and latest > self.model_version:
                    await asyncio.to_thread(self.reload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("NLU model watcher failed; will retry")

    # -- parsing ---------------------------------------------------------------------------

    def parse_sync(self, text: str, *, language_hint: str | None = None) -> ParseResult:
        """Parse with the built-in model; never raises on any text."""
        return self.model.parse(text, language_hint)

    async def parse(self, text: str, *, language_hint: str | None = None) -> ParseResult:
        """Parse through Rasa when configured, else (or when Rasa fails) the built-in model."""
        model = self.model
        if self._rasa is None or not isinstance(text, str) or not text.strip():
            return model.parse(text, language_hint)
        from nlu.rasa_client import RasaUnavailable

        try:
            answer = await self._rasa.parse(text)
        except RasaUnavailable as exc:
            self._warn_fallback(exc)
            return model.parse(text, language_hint)
        return _merge_rasa(model, text, language_hint, answer)

    async def parse_batch(
        self, texts: Sequence[str], language_hints: Sequence[str | None]
    ) -> list[ParseResult]:
        """`parse` for several texts, in order. With the built-in model the batch is
        embedded and classified at once on a worker thread, keeping the event loop free."""
        if self._rasa is not None:
            return list(
                await asyncio.gather(
                    *(
                        self.parse(t, language_hint=h)
                        for t, h in zip(texts, language_hints, strict=True)
                    )
                )
            )
        model = self.model
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: model.parse_many(texts, list(language_hints))
        )

    def _warn_fallback(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_fallback_warning >= FALLBACK_WARNING_INTERVAL:
            self._last_fallback_warning = now
            log.warning("Rasa unavailable (%s); parsing with the built-in NLU model", exc)
        else:
            log.debug("Rasa unavailable (%s); built-in model used", exc)

    async def close(self) -> None:
        """Close the Rasa client (whoever started :meth:`watch` as a task stops it)."""
        if self._rasa is not None:
            await self._rasa.close()


def _merge_rasa(
    model: NluModel, text: str, language_hint: str | None, answer: dict[str, Any]
) -> ParseResult:
    """Rasa's intent, ranking and entities; language, urgency (and entities Rasa missed)
    from the built-in model."""
    rasa = ParseResult.from_dict({**answer, "text": text})
    intent = rasa.intent or IntentScore("other", 0.0)
    own = model.parse(text, language_hint, intent=intent.name)
    ranking = rasa.intent_ranking or (intent,)
    ranking = tuple(sorted(ranking, key=lambda s: -s.confidence))
    entities: list[Entity] = list(rasa.entities)
    for entity in own.entities:
        if not any(entity.start < e.end and e.start < entity.end for e in entities):
            entities.append(entity)
    entities.sort(key=lambda e: (e.start, e.end))
    return ParseResult(
        text=text,
        language=own.language,
        intent=intent,
        intent_ranking=ranking,
        urgency=own.urgency,
        entities=tuple(entities),
    )
