"""Reply templates as administrators edit them: listed, checked, saved as override files.

An edit is written to `<data dir>/templates/<language>/<name>.txt.j2`, which `ReplyTemplates`
looks up on every render, so the next reply uses it without a restart. Before that, the text
must parse, use only the variables the gateway passes to that reply, and render against a
sample ticket; otherwise it is refused with the problem named and the old one stays.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from nlu.replies import REPLY_LANGUAGES, SHIPPED_DIR, template_environment, tidy

#: What the gateway passes to each reply, with sample values for checks and the preview.
SAMPLE_TICKET: dict[str, dict[str, Any]] = {
    "acknowledgement": {
        "customer_name": "Alex Chen",
        "category": "delivery",
        "severity": "important",
        "ticket_number": "CMP-202612-000123",
        "response_hours": 4,
        "business_hours": True,
        "due": "2026-12-03 14:00 (UTC+08:00)",
        "ask_order_number": True,
    },
    "added_to_ticket": {"ticket_number": "CMP-202612-000123", "due": "2026-12-03 14:00"},
    "check_status": {
        "ticket_number": "CMP-202612-000123",
        "status": "in_progress",
        "due": "2026-12-03 14:00 (UTC+08:00)",
        "example_number": "CMP-202612-000123",
    },
    "fallback": {},
    "greet": {},
    "request_human": {"ticket_number": "CMP-202612-000123"},
    "survey": {"ticket_number": "CMP-202612-000123"},
    "survey_reopened": {"ticket_number": "CMP-202612-000123", "satisfied": False},
    "survey_thanks": {"ticket_number": "CMP-202612-000123", "satisfied": True},
    "thanks": {"ticket_number": "CMP-202612-000123"},
}
SUFFIX = ".txt.j2"


class TemplateProblem(ValueError):
    """A template text that must not reach a customer; the message names the problem."""


class UnknownTemplate(LookupError):
    pass


def check_name(language: str, name: str) -> None:
    if language not in REPLY_LANGUAGES or name not in SAMPLE_TICKET:
        raise UnknownTemplate(f"{language}/{name}")


def render_sample(name: str, text: str) -> str:
    """The text rendered against the sample ticket; raises TemplateProblem naming the fault."""
    environment = template_environment()
    try:
        parsed = environment.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"syntax error on line {exc.lineno}: {exc.message}") from None
    allowed = set(SAMPLE_TICKET[name]) | set(environment.globals)
    unknown = sorted(meta.find_undeclared_variables(parsed) - allowed)
    if unknown:
        known = ", ".join(sorted(SAMPLE_TICKET[name])) or "none"
        raise TemplateProblem(f"unknown variable {', '.join(unknown)} (this reply has: {known})")
    try:
        return tidy(environment.from_string(text).render(**SAMPLE_TICKET[name]))
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"does not render: {exc}") from None


class TemplateFiles:
    """The shipped texts and the administrators' overrides under one folder."""

    def __init__(self, override_dir: Path) -> None:
        self._dir = override_dir

    def _override(self, language: str, name: str) -> Path:
        return self._dir / language / f"{name}{SUFFIX}"

    def text(self, language: str, name: str) -> tuple[str, str]:
        """The text in use and where it comes from ("shipped" or "custom")."""
        custom = self._override(language, name)
        if custom.is_file():
            return custom.read_text(encoding="utf-8"), "custom"
        return (SHIPPED_DIR / language / f"{name}{SUFFIX}").read_text(encoding="utf-8"), "shipped"

    def all(self) -> list[dict[str, str]]:
        found = []
        for language in REPLY_LANGUAGES:
            for name in sorted(SAMPLE_TICKET):
                text, source = self.text(language, name)
                found.append({"name": name, "language": language, "text": text, "source": source})
        return found

    def save(self, language: str, name: str, text: str) -> None:
        """Checks the text, then replaces the override atomically (a render never sees half)."""
        render_sample(name, text)
        target = self._override(language, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".edit-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)

    def reset(self, language: str, name: str) -> None:
        self._override(language, name).unlink(missing_ok=True)
