"""The parse result: Rasa's ``/model/parse`` shape plus ``language`` and ``urgency``.

Values are immutable so one result can be shared between tasks and cached safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Rounding keeps CLI output short; four places are far finer than the model's calibration.
_DIGITS = 4


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent and the model's confidence in it (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "confidence": ...}`` as in Rasa's answer."""
        return {"name": self.name, "confidence": round(float(self.confidence), _DIGITS)}


@dataclass(frozen=True, slots=True)
class Urgency:
    """Urgency level (``low``..``critical``), confidence and the reasons that fired."""

    level: str
    confidence: float
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"level", "confidence", "reasons"}`` as in the contract."""
        return {
            "level": self.level,
            "confidence": round(float(self.confidence), _DIGITS),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in the text; ``start``/``end`` are character offsets into it."""

    entity: str
    value: str
    start: int
    end: int
    extractor: str
    # Extra keys beside Rasa's (e.g. ``currency`` for an amount); kept sorted for stable output.
    extras: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Rasa's entity dict, plus any extra keys."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
        }
        out.update(self.extras)
        return out


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What parsing one message gives; ``ParseResult.empty()`` stands for blank input."""

    text: str
    language: str = ""
    intent: IntentScore | None = None
    intent_ranking: tuple[IntentScore, ...] = ()
    urgency: Urgency | None = None
    entities: tuple[Entity, ...] = field(default_factory=tuple)

    @classmethod
    def empty(cls) -> ParseResult:
        """The result for empty or whitespace-only input; its ``to_dict()`` is ``{}``."""
        return _EMPTY

    @property
    def is_empty(self) -> bool:
        """True for the blank-input result."""
        return self.intent is None and not self.language and not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (``{}`` for the empty result)."""
        if self.is_empty:
            return {}
        return {
            "text": self.text,
            "language": self.language,
            "intent": self.intent.to_dict() if self.intent else None,
            "intent_ranking": [score.to_dict() for score in self.intent_ranking],
            "urgency": self.urgency.to_dict() if self.urgency else None,
            "entities": [entity.to_dict() for entity in self.entities],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParseResult:
        """Rebuild a result from its ``to_dict()`` form (or a Rasa answer, leniently)."""
        if not data:
            return _EMPTY
        intent = data.get("intent") or None
        urgency = data.get("urgency") or None
        entities = []
        for item in data.get("entities") or ():
            known = {"entity", "value", "start", "end", "extractor"}
            extras = tuple(sorted((k, str(v)) for k, v in item.items() if k not in known))
            entities.append(
                Entity(
                    entity=str(item.get("entity", "")),
                    value=str(item.get("value", "")),
                    start=int(item.get("start", 0)),
                    end=int(item.get("end", 0)),
                    extractor=str(item.get("extractor") or ""),
                    extras=extras,
                )
            )
        return cls(
            text=str(data.get("text", "")),
            language=str(data.get("language") or ""),
            intent=_intent_from(intent) if intent else None,
            intent_ranking=tuple(_intent_from(i) for i in data.get("intent_ranking") or ()),
            urgency=Urgency(
                level=str(urgency.get("level", "normal")),
                confidence=float(urgency.get("confidence", 0.0)),
                reasons=tuple(str(r) for r in urgency.get("reasons") or ()),
            )
            if urgency
            else None,
            entities=tuple(entities),
        )


def _intent_from(data: Mapping[str, Any]) -> IntentScore:
    return IntentScore(name=str(data.get("name", "")), confidence=float(data.get("confidence", 0)))


_EMPTY = ParseResult(text="")
