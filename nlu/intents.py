"""Names of the intents and urgency levels the contract ships.

The model itself learns whatever intents its training data holds; these sets tell the gateway
which of the shipped ones open a ticket, and tell training which examples feed the urgency
model instead of the intent model.
"""

from __future__ import annotations

COMPLAINT_INTENTS: frozenset[str] = frozenset(
    {
        "product_quality",
        "delivery",
        "billing",
        "service_attitude",
        "sales_contract",
        "after_sales",
        "advertising",
        "privacy",
        "other",
    }
)
"""Complaint categories: an intent here opens a ticket."""

DIALOGUE_INTENTS: frozenset[str] = frozenset({"greet", "check_status", "request_human", "thanks"})
"""Dialogue intents: never open a ticket by themselves."""

URGENCY_LEVELS: tuple[str, ...] = ("low", "normal", "high", "critical")
"""Urgency levels, least urgent first; the index is the level's rank."""

URGENCY_INTENT_PREFIX = "urgency_"
"""Training intents named ``urgency_<level>`` train the urgency model, never the intent model."""


def urgency_rank(level: str) -> int:
    """Rank of an urgency level (``low`` is 0); unknown levels rank as ``normal``."""
    try:
        return URGENCY_LEVELS.index(level)
    except ValueError:
        return URGENCY_LEVELS.index("normal")


def is_urgency_intent(name: str) -> bool:
    """True for a training intent that labels urgency (``urgency_high``), not a category."""
    return name.startswith(URGENCY_INTENT_PREFIX) and name[len(URGENCY_INTENT_PREFIX) :] in (
        URGENCY_LEVELS
    )
