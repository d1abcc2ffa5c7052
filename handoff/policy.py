"""Grading and routing rules of the complaint-handling policy (first cut).

Severity follows the policy's three grades; a major complaint (重大投诉) is one the NLU
marks critical: safety, legal or regulator threats, media exposure, account takeover.
"""

from __future__ import annotations

from datetime import datetime, timedelta

SEVERITY_BY_URGENCY = {
    "critical": "major",
    "high": "important",
    "normal": "general",
    "low": "general",
}

#: Resolution targets as a multiple of the first-response target on the plain clock.
RESOLUTION_FACTOR = 5


def severity_for(urgency: str, category: str) -> str:
    severity = SEVERITY_BY_URGENCY.get(urgency, "general")
    if category == "privacy" and severity == "general":
        # A privacy complaint always touches personal data: never the lowest grade.
        return "important"
    return severity


def department_for(category: str, departments: dict[str, str]) -> str:
    return departments.get(category, departments["other"])


def deadlines(received_at: datetime, response_time: timedelta) -> tuple[datetime, datetime]:
    """First-response and resolution deadlines, on the plain clock for now."""
    return received_at + response_time, received_at + response_time * RESOLUTION_FACTOR
