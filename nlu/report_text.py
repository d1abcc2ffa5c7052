"""The text form of an evaluation report (``nlu eval`` without ``--json``)."""

from __future__ import annotations

from typing import Any

from nlu.calibration import format_calibration
from nlu.intents import URGENCY_LEVELS
from nlu.metrics import Report


def format_report(report: Report) -> str:
    """A human-readable report."""
    lines = [
        f"NLU evaluation: {report.mode}, {report.intent_examples} intent examples",
        "",
        f"{'intent':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for m in report.intents:
        lines.append(
            f"{m.name:<18}{m.precision:>10.3f}{m.recall:>10.3f}{m.f1:>10.3f}{m.support:>9}"
        )
    lines += [
        "",
        f"accuracy {report.accuracy:.3f}   macro F1 {report.macro_f1:.3f}   "
        f"weighted F1 {report.weighted_f1:.3f}",
        "",
        f"{'language':<18}{'macro F1':>10}{'accuracy':>10}{'support':>9}",
    ]
    for lang, figures in report.languages.items():
        lines.append(
            f"{lang:<18}{figures['macro_f1']:>10.3f}{figures['accuracy']:>10.3f}"
            f"{int(figures['support']):>9}"
        )
    lines += ["", "most confused (true -> predicted: count)"]
    lines += [f"  {c['true']} -> {c['predicted']}: {c['count']}" for c in report.confused]
    if not report.confused:
        lines.append("  none")
    if report.urgency:
        u = report.urgency
        lines += [
            "",
            f"urgency: accuracy {u['accuracy']:.3f} (model alone {u['model_only_accuracy']:.3f}) "
            f"on {u['examples']} examples",
            f"{'level':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
        ]
        for m in u["levels"]:
            lines.append(
                f"{m['name']:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
                f"{m['support']:>9}"
            )
        lines += _urgency_lines(u)
    for head, summary in report.calibration.items():
        lines += ["", *format_calibration(head, summary)]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _urgency_lines(u: dict[str, Any]) -> list[str]:
    lines = [
        f"critical recall {u['critical_recall']:.3f} of {u['critical_support']}, "
        f"false criticals {u['false_criticals']}",
        "confusion (rows true, columns predicted)",
        f"  {'':<10}" + "".join(f"{lvl:>10}" for lvl in URGENCY_LEVELS),
    ]
    for true, row in u["confusion"].items():
        lines.append(f"  {true:<10}" + "".join(f"{row[lvl]:>10}" for lvl in URGENCY_LEVELS))
    if u.get("languages"):
        lines.append(f"  {'language':<10}{'accuracy':>10}{'crit rec':>10}{'false crit':>11}")
        for lang, f in u["languages"].items():
            lines.append(
                f"  {lang:<10}{f['accuracy']:>10.3f}{f['critical_recall']:>10.3f}"
                f"{int(f['false_criticals']):>11}"
            )
    return lines
