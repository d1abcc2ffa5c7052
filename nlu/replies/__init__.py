"""Reply templates: one Jinja2 template per reply and language/script.

The shipped templates live beside this module. An administrator changes a reply without a
deploy by putting a file of the same name under the override folder
(`<data dir>/templates/<language>/<name>.txt.j2`); Jinja2 checks the file's time stamp on
every render and picks up the change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

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
    """Renders replies; admin overrides win over the shipped templates."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(SHIPPED_DIR)))
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,  # plain text; each channel escapes for its own markup
            auto_reload=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["number"] = _number
        self._env.globals["ru_plural"] = russian_plural

    def render(self, name: str, language: str | None, **context: Any) -> str:
        """Renders reply `name` in the customer's language and script (English fallback)."""
        template = self._env.get_template(f"{reply_language(language)}/{name}.txt.j2")
        # Optional lines that render empty would leave blank lines behind.
        return re.sub(r"\n\s*\n", "\n", template.render(**context)).strip()
