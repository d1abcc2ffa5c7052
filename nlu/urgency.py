"""Urgency from two sources: the urgency model and the signal vocabulary.

* Signals are precise and explain themselves: each gives a reason and puts a floor under the
  level (a lawyer threat is ``critical`` whatever the model thinks).
* The model covers phrasing the vocabulary misses; a level it alone chooses has no reason,
  and it alone makes a message ``critical`` only when it is sure (``MODEL_CRITICAL_MIN``).
* ``low.minor`` signals ("not a big deal") may lower an ordinary complaint to ``low``, never a
  complaint the model or another signal rates ``high`` or above.
* Dialogue turns (greet, thanks, check_status, request_human) are ``low`` unless a signal
  fires, since they carry no complaint of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nlu.intents import DIALOGUE_INTENTS, URGENCY_LEVELS, urgency_rank
from nlu.result import Urgency
from nlu.signals import Signal

SIGNAL_CONFIDENCE = 0.9
"""Confidence given to a level set by the vocabulary (its entries are chosen to be precise)."""

RULE_CONFIDENCE = 0.9
"""Confidence of a level set by a rule without model support (dialogue turns)."""

MODEL_CRITICAL_MIN = 0.8
"""The model alone makes a message critical (a major complaint, which pages supervisors and
shortens the deadline) only this sure; less sure, it says ``high``, still escalated."""

_CRITICAL = urgency_rank("critical")
_HIGH = urgency_rank("high")
_NORMAL = urgency_rank("normal")


ConfidenceMap = tuple[Sequence[float], Sequence[float]]
"""Breakpoints (raw confidence, accuracy seen at it) fitted on held-out training folds."""


def decide(
    intent: str | None,
    probabilities: Mapping[str, float] | None,
    signals: Sequence[Signal],
    confidence_map: ConfidenceMap | None = None,
) -> Urgency:
    """Combine the model's level probabilities, the signals and the intent into one urgency.

    ``probabilities`` maps levels to the model's probabilities (None when no urgency model
    was trained); ``signals`` come most urgent first; ``confidence_map`` turns the combined
    confidence into the accuracy measured at it (see ``nlu.trainer``).
    """
    floor = max((urgency_rank(s.level) for s in signals), default=-1)
    if intent in DIALOGUE_INTENTS or not probabilities:
        if floor < 0:
            level = "low" if intent in DIALOGUE_INTENTS else "normal"
            return Urgency(level, RULE_CONFIDENCE, ())
        level = URGENCY_LEVELS[floor]
        return Urgency(level, SIGNAL_CONFIDENCE, _reasons(signals, floor))

    model_level = max(probabilities, key=lambda k: probabilities[k])
    rank = urgency_rank(model_level)
    capped = rank == _CRITICAL and probabilities[model_level] < MODEL_CRITICAL_MIN
    if capped:
        rank = _HIGH
    if floor > rank:
        rank = floor
    elif floor == urgency_rank("low") and rank == _NORMAL:
        rank = floor  # "not a big deal" lowers an ordinary complaint
    level = URGENCY_LEVELS[rank]
    confidence = float(probabilities.get(level, 0.0))
    if capped and rank == _HIGH:  # the model's belief that it is at least high
        confidence += float(probabilities.get("critical", 0.0))
    if floor == rank:
        confidence = max(confidence, SIGNAL_CONFIDENCE)
    if confidence_map is not None and len(confidence_map[0]):
        confidence = float(np.interp(confidence, confidence_map[0], confidence_map[1]))
    return Urgency(level, confidence, _reasons(signals, rank))


def _reasons(signals: Sequence[Signal], rank: int) -> tuple[str, ...]:
    """Reasons worth showing at this level: all high-or-above ones for an urgent message
    (a lawyer threat and a wedding deadline both matter), only "minor" for a low one."""
    reasons: list[str] = []
    for s in signals:
        r = urgency_rank(s.level)
        keep = r >= _HIGH if rank >= _HIGH else r == rank
        if keep and s.reason not in reasons:
            reasons.append(s.reason)
    return tuple(reasons)
