"""A loaded model: everything one parse needs, immutable once built.

It holds the vectoriser, the intent and urgency heads and the compiled signal and entity
tables. Nothing here imports scikit-learn, so loading and parsing stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu import urgency
from nlu.embedding import SentenceEncoder, embedding_text, get_encoder
from nlu.entities import EntityExtractor
from nlu.features import FloatArray, LinearHead, Vectoriser
from nlu.language import detect_language
from nlu.normalise import bounded, encodable, fold, for_features, mask
from nlu.result import IntentScore, ParseResult
from nlu.signals import SignalMatcher
from nlu.translit import to_cyrillic

STATE_FORMAT = 3
"""Bumped when the stored state's layout changes incompatibly."""


@dataclass
class Tables:
    """The regex and lookup tables a model was trained with (kept as data, compiled on load)."""

    signal_lookups: dict[str, list[str]] = field(default_factory=dict)
    signal_regexes: dict[str, list[str]] = field(default_factory=dict)
    entity_regexes: dict[str, list[str]] = field(default_factory=dict)
    entity_lookups: dict[str, list[str]] = field(default_factory=dict)

    def to_state(self) -> dict[str, Any]:
        """Plain data for the model store."""
        return {
            "signal_lookups": self.signal_lookups,
            "signal_regexes": self.signal_regexes,
            "entity_regexes": self.entity_regexes,
            "entity_lookups": self.entity_lookups,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Tables:
        """Inverse of :meth:`to_state`."""
        return cls(**{k: dict(state.get(k, {})) for k in cls.__dataclass_fields__})


@dataclass
class Heads:
    """The intent head and (optional) urgency head of one feature set, and the map that
    calibrates the combined (model plus signals) urgency confidence."""

    intent: LinearHead
    urgency: LinearHead | None = None
    urgency_map: tuple[list[float], list[float]] | None = None

    def to_state(self) -> dict[str, Any]:
        """Plain data for the model store."""
        return {
            "intent": self.intent.to_state(),
            "urgency": self.urgency.to_state() if self.urgency else None,
            "urgency_map": list(self.urgency_map) if self.urgency_map else None,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Heads:
        """Inverse of :meth:`to_state`."""
        urgency = state.get("urgency")
        urgency_map = state.get("urgency_map")
        return cls(
            intent=LinearHead.from_state(state["intent"]),
            urgency=LinearHead.from_state(urgency) if urgency else None,
            urgency_map=(list(urgency_map[0]), list(urgency_map[1])) if urgency_map else None,
        )


class NluModel:
    """Parses text with one trained model version. Safe to share between threads.

    ``heads`` use TF-IDF features only; ``dense_heads`` (when the model was trained with
    sentence embeddings) add them, and are used whenever the encoder is available.
    """

    def __init__(
        self,
        version: str,
        vectoriser: Vectoriser,
        heads: Heads,
        tables: Tables,
        manifest: Mapping[str, Any] | None = None,
        *,
        dense_heads: Heads | None = None,
        embedding: str | None = None,
    ) -> None:
        self.version = version
        self.vectoriser = vectoriser
        self.heads = heads
        self.dense_heads = dense_heads
        self.embedding = embedding if dense_heads is not None else None
        self.tables = tables
        self.manifest: dict[str, Any] = dict(manifest or {})
        self.signals = SignalMatcher(tables.signal_lookups, tables.signal_regexes)
        self.entities = EntityExtractor(tables.entity_regexes, tables.entity_lookups)

    @property
    def intents(self) -> list[str]:
        """The intents this model can answer."""
        return list(self.heads.intent.classes)

    def _encoder(self) -> SentenceEncoder | None:
        return get_encoder(self.embedding) if self.embedding else None

    @property
    def uses_embeddings(self) -> bool:
        """True when parses use sentence embeddings (trained with them, encoder present)."""
        return self._encoder() is not None

    def parse(
        self, text: str, language_hint: str | None = None, *, intent: str | None = None
    ) -> ParseResult:
        """Parse one message; never raises on any ``str``.

        ``intent`` overrides the intent used for the urgency rules (when another engine, such
        as Rasa, classified the message); the built-in ranking is still returned.
        """
        if not isinstance(text, str) or not text.strip():
            return ParseResult.empty()
        sample = encodable(bounded(text))
        dense = None
        encoder = self._encoder()
        if encoder is not None:
            dense = encoder.encode_one(embedding_text(sample))
        return self._parse(text, sample, language_hint, intent, dense)

    def embed_many(self, texts: Sequence[str]) -> list[FloatArray | None]:
        """Sentence embeddings of ``texts`` in one batch (None where blank or unavailable).

        Separate from :meth:`parse_many` so a caller can embed the next batch in another
        thread while this one is parsed (the encoder's numpy work releases the GIL).
        """
        out: list[FloatArray | None] = [None] * len(texts)
        encoder = self._encoder()
        live = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        if encoder is not None and live:
            vectors = encoder.encode([embedding_text(encodable(bounded(texts[i]))) for i in live])
            for row, i in enumerate(live):
                out[i] = vectors[row]
        return out

    def parse_many(
        self,
        texts: Sequence[str],
        language_hint: str | Sequence[str | None] | None = None,
        *,
        embeddings: Sequence[FloatArray | None] | None = None,
    ) -> list[ParseResult]:
        """:meth:`parse` for each text, in order, embedding them in one batch (faster).

        ``language_hint`` is one hint for all texts or one per text; ``embeddings`` are
        :meth:`embed_many`'s answer for ``texts`` when the caller computed it already.
        """
        hints: Sequence[str | None] = (
            [language_hint] * len(texts)
            if language_hint is None or isinstance(language_hint, str)
            else language_hint
        )
        if embeddings is None:
            embeddings = self.embed_many(texts)
        return [
            self._parse(text, encodable(bounded(text)), hint, None, dense)
            if isinstance(text, str) and text.strip()
            else ParseResult.empty()
            for text, hint, dense in zip(texts, hints, embeddings, strict=True)
        ]

    def _parse(
        self,
        text: str,
        sample: str,
        language_hint: str | None,
        intent: str | None,
        dense: FloatArray | None,
    ) -> ParseResult:
        heads = self.dense_heads if dense is not None and self.dense_heads else self.heads
        readable = to_cyrillic(sample)  # Russian in Latin letters; entities keep `sample`
        language = detect_language(readable, language_hint)
        folded = fold(readable)
        idx, val = self.vectoriser.transform(mask(folded))
        probs = heads.intent.probabilities(idx, val, dense)
        classes = heads.intent.classes
        ranking = tuple(
            IntentScore(classes[i], float(probs[i]))
            for i in sorted(range(len(probs)), key=lambda i: -probs[i])
        )
        level_probs = None
        if heads.urgency is not None:
            p = heads.urgency.probabilities(idx, val, dense)
            level_probs = {
                c.removeprefix("urgency_"): float(x)
                for c, x in zip(heads.urgency.classes, p, strict=True)
            }
        signals = self.signals.match_folded(folded)
        return ParseResult(
            text=text,
            language=language,
            intent=ranking[0],
            intent_ranking=ranking,
            urgency=urgency.decide(
                intent or ranking[0].name, level_probs, signals, heads.urgency_map
            ),
            entities=tuple(self.entities.extract(sample, language)),
        )

    def urgency_level(self, text: str) -> str:
        """The urgency model's own level for ``text``, without signals or rules ("" if none)."""
        sample = encodable(bounded(text))
        dense = None
        encoder = self._encoder()
        if encoder is not None:
            dense = encoder.encode_one(embedding_text(sample))
        heads = self.dense_heads if dense is not None and self.dense_heads else self.heads
        if heads.urgency is None:
            return ""
        idx, val = self.vectoriser.transform(for_features(sample))
        p = heads.urgency.probabilities(idx, val, dense)
        return heads.urgency.classes[int(p.argmax())].removeprefix("urgency_")

    def to_state(self) -> dict[str, Any]:
        """Plain data (dicts, lists, numbers, numpy arrays) for the model store."""
        return {
            "format": STATE_FORMAT,
            "version": self.version,
            "vectoriser": self.vectoriser.to_state(),
            "heads": self.heads.to_state(),
            "dense_heads": self.dense_heads.to_state() if self.dense_heads else None,
            "embedding": self.embedding,
            "tables": self.tables.to_state(),
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], manifest: Mapping[str, Any] | None = None
    ) -> NluModel:
        """Rebuild a model from :meth:`to_state` output."""
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported model format {state.get('format')!r}")
        dense = state.get("dense_heads")
        return cls(
            version=str(state["version"]),
            vectoriser=Vectoriser.from_state(state["vectoriser"]),
            heads=Heads.from_state(state["heads"]),
            tables=Tables.from_state(state["tables"]),
            manifest=manifest,
            dense_heads=Heads.from_state(dense) if dense else None,
            embedding=state.get("embedding"),
        )

    def renamed(self, version: str) -> NluModel:
        """The same model under another version name (for tests and re-publishing)."""
        return NluModel(
            version,
            self.vectoriser,
            self.heads,
            self.tables,
            dict(self.manifest, version=version),
            dense_heads=self.dense_heads,
            embedding=self.embedding,
        )
