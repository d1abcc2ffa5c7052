"""Reply templates: one Jinja2 template per reply and language/script.

The shipped templates live beside this module. An administrator changes a reply without a
deploy by putting a file of the same name under the override folder
(`<data dir>/templates/<language>/<name>.txt.j2`); Jinja2 checks the file's time stamp on
every render and picks up the change.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).with_name("templates")
REPLY_LANGUAGES = ("en", "ru", "zh-Hans", "zh-Hant")
_TRADITIONAL_TAGS = {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


def reply_language(language: str | None) -> str:
    """The template language for a detected language: its own where we have one, else English."""
    if not language:
        return "en"
    if language in REPLY_LANGUAGES:
        return language
    lowered = language.lower()
    if lowered in _TRADITIONAL_TAGS or lowered.startswith("zh-hant"):
        return "zh-Hant"
    if lowered.startswith("zh"):
        return "zh-Hans"
    if lowered.startswith("ru"):
        return "ru"
    return "en"


def russian_plural(count: float, one: str, few: str, many: str) -> str:
    """Picks the Russian plural form for a count (1 час, 2 часа, 5 часов, 1.5 часа)."""
    if count != int(count):
        return few
    n = abs(int(count))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


class ReplyTemplates:
    """Renders replies; an admin's override file wins over the shipped template."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self._override_dir = override_dir
        self._shipped = _environment(SHIPPED_DIR)
        # Administrators write the overrides in the browser: render them sandboxed.
        self._overrides = (
            template_environment(jinja2.FileSystemLoader(str(override_dir)))
            if override_dir is not None
            else None
        )

    def render(self, name: str, language: str | None, **context: Any) -> str:
        """Renders reply `name` in the customer's language and script (English fallback)."""
        path = f"{reply_language(language)}/{name}.txt.j2"
        # Looked up on every render, so adding or removing an override takes effect at once
        # (Jinja's auto_reload alone only notices changes to the file it loaded first).
        text = None
        if self._overrides is not None and self._override_dir is not None:
            if (self._override_dir / path).is_file():
                try:
                    text = self._overrides.get_template(path).render(**context)
                except jinja2.TemplateError:
                    # A broken override must not stop acknowledgements: fall back and say so.
                    log.exception(
                        "reply template override %s is broken; using the shipped one", path
                    )
        if text is None:
            text = self._shipped.get_template(path).render(**context)
        return tidy(text)


def tidy(rendered: str) -> str:
    """A rendered reply as sent: optional lines that render empty leave no blank lines."""
    return re.sub(r"\n\s*\n", "\n", rendered).strip()


def _environment(folder: Path) -> jinja2.Environment:
    return template_environment(jinja2.FileSystemLoader(str(folder)), sandboxed=False)


def template_environment(
    loader: jinja2.BaseLoader | None = None, *, sandboxed: bool = True
) -> jinja2.Environment:
    """The environment replies render in (filters, globals, strict undefined names); the
    sandboxed one is for administrators' templates, which must not reach Python objects."""
    kind = jinja2.sandbox.SandboxedEnvironment if sandboxed else jinja2.Environment
    environment = kind(
        loader=loader,
        autoescape=False,  # plain text; each channel escapes for its own markup
        auto_reload=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = _number
    environment.globals["ru_plural"] = russian_plural
    return environment
