"""A loaded model: everything one parse needs, immutable once built.

It holds the vectoriser, the intent and urgency heads and the compiled signal and entity
tables. Nothing here imports scikit-learn, so loading and parsing stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nlu import urgency
from nlu.entities import EntityExtractor
from nlu.features import LinearHead, Vectoriser
from nlu.language import detect_language
from nlu.normalise import bounded, encodable, fold, mask
from nlu.result import IntentScore, ParseResult
from nlu.signals import SignalMatcher

STATE_FORMAT = 1
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


class NluModel:
    """Parses text with one trained model version. Safe to share between threads."""

    def __init__(
        self,
        version: str,
        vectoriser: Vectoriser,
        intent_head: LinearHead,
        urgency_head: LinearHead | None,
        tables: Tables,
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        self.version = version
        self.vectoriser = vectoriser
        self.intent_head = intent_head
        self.urgency_head = urgency_head
        self.tables = tables
        self.manifest: dict[str, Any] = dict(manifest or {})
        self.signals = SignalMatcher(tables.signal_lookups, tables.signal_regexes)
        self.entities = EntityExtractor(tables.entity_regexes, tables.entity_lookups)

    @property
    def intents(self) -> list[str]:
        """The intents this model can answer."""
        return list(self.intent_head.classes)

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
        language = detect_language(sample, language_hint)
        folded = fold(sample)
        idx, val = self.vectoriser.transform(mask(folded))
        probs = self.intent_head.probabilities(idx, val)
        ranking = tuple(
            IntentScore(self.intent_head.classes[i], float(probs[i]))
            for i in sorted(range(len(probs)), key=lambda i: -probs[i])
        )
        level_probs = None
        if self.urgency_head is not None:
            p = self.urgency_head.probabilities(idx, val)
            level_probs = {c.removeprefix("urgency_"): float(x) for c, x in zip(
                self.urgency_head.classes, p, strict=True
            )}
        signals = self.signals.match_folded(folded)
        return ParseResult(
            text=text,
            language=language,
            intent=ranking[0],
            intent_ranking=ranking,
            urgency=urgency.decide(intent or ranking[0].name, level_probs, signals),
            entities=tuple(self.entities.extract(sample, language)),
        )

    def urgency_level(self, text: str) -> str:
        """The urgency model's own level for ``text``, without signals or rules ("" if none)."""
        if self.urgency_head is None:
            return ""
        idx, val = self.vectoriser.transform(mask(fold(encodable(bounded(text)))))
        p = self.urgency_head.probabilities(idx, val)
        return self.urgency_head.classes[int(p.argmax())].removeprefix("urgency_")

    def parse_many(
        self, texts: Iterable[str], language_hint: str | None = None
    ) -> list[ParseResult]:
        """:meth:`parse` for each text, in order."""
        return [self.parse(t, language_hint) for t in texts]

    def to_state(self) -> dict[str, Any]:
        """Plain, picklable data (dicts, lists, numpy arrays) for the model store."""
        return {
            "format": STATE_FORMAT,
            "version": self.version,
            "vectoriser": self.vectoriser.to_state(),
            "intent_head": self.intent_head.to_state(),
            "urgency_head": self.urgency_head.to_state() if self.urgency_head else None,
            "tables": self.tables.to_state(),
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], manifest: Mapping[str, Any] | None = None
    ) -> NluModel:
        """Rebuild a model from :meth:`to_state` output."""
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported model format {state.get('format')!r}")
        urgency_state = state.get("urgency_head")
        return cls(
            version=str(state["version"]),
            vectoriser=Vectoriser.from_state(state["vectoriser"]),
            intent_head=LinearHead.from_state(state["intent_head"]),
            urgency_head=LinearHead.from_state(urgency_state) if urgency_state else None,
            tables=Tables.from_state(state["tables"]),
            manifest=manifest,
        )
