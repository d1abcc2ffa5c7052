"""Does a confidence mean what it says? Expected calibration error and a reliability table.

A head is calibrated when, among the answers it gives with confidence about 0.8, about 80 %
are right. The reliability table groups answers into equal-width confidence bins and shows
each bin's mean confidence beside its accuracy; the expected calibration error (ECE) is the
gap between the two, averaged over bins weighted by how many answers fall in each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

BINS = 10


@dataclass(frozen=True)
class Bin:
    """One confidence bin of a reliability table."""

    low: float
    high: float
    count: int
    confidence: float  # mean confidence of the answers in this bin
    accuracy: float  # share of them that were right


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = BINS
) -> list[Bin]:
    """The non-empty bins of ``[0, 1]`` split into ``bins`` equal widths (1.0 in the last)."""
    groups: list[list[int]] = [[] for _ in range(bins)]
    for i, c in enumerate(confidences):
        groups[min(int(c * bins), bins - 1)].append(i)
    out = []
    for b, rows in enumerate(groups):
        if rows:
            out.append(
                Bin(
                    low=b / bins,
                    high=(b + 1) / bins,
                    count=len(rows),
                    confidence=sum(confidences[i] for i in rows) / len(rows),
                    accuracy=sum(bool(correct[i]) for i in rows) / len(rows),
                )
            )
    return out


def expected_calibration_error(table: Sequence[Bin]) -> float:
    """Count-weighted mean of |accuracy - confidence| over the table's bins."""
    total = sum(b.count for b in table)
    if not total:
        return 0.0
    return sum(b.count * abs(b.accuracy - b.confidence) for b in table) / total


def calibration_summary(confidences: Sequence[float], correct: Sequence[bool]) -> dict[str, Any]:
    """``{"ece", "examples", "max_confidence", "bins": [...]}`` for a report."""
    table = reliability(confidences, correct)
    return {
        "ece": expected_calibration_error(table),
        "examples": len(confidences),
        "max_confidence": max(confidences, default=0.0),
        "bins": [asdict(b) for b in table],
    }


def format_calibration(name: str, summary: dict[str, Any]) -> list[str]:
    """Text lines: the head's ECE, then its reliability table."""
    lines = [
        f"{name} calibration: ECE {summary['ece']:.3f} on {summary['examples']} answers "
        f"(highest confidence {summary['max_confidence']:.3f})",
        f"  {'confidence':<12}{'answers':>8}{'mean conf':>11}{'accuracy':>10}",
    ]
    for b in summary["bins"]:
        lines.append(
            f"  {b['low']:.1f}-{b['high']:.1f}{'':<5}{b['count']:>8}"
            f"{b['confidence']:>11.3f}{b['accuracy']:>10.3f}"
        )
    return lines
