"""The console's own strings: every language has every key English has, with the same
placeholders, and every string the page uses is in the tables (read from the files)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from handoff.web.console import STATIC_DIR

LANGUAGES = ("en", "ru", "zh-hans", "zh-hant")
_ENTRY = re.compile(r'^\s+("[^"]+"):\s*(".*"),$', re.M)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _tables(language: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The module's `strings` and `words`, read as the generated tables they are."""
    text = (STATIC_DIR / f"lang-{language}.js").read_text(encoding="utf-8")
    strings_part, words_part = text.split("export const words")
    strings = {json.loads(k): json.loads(v) for k, v in _ENTRY.findall(strings_part)}
    words: dict[str, dict[str, str]] = {}
    for kind, body in re.findall(r"^  (\w+): \{\n(.*?)^  \},", words_part, re.M | re.S):
        words[kind] = {json.loads(k): json.loads(v) for k, v in _ENTRY.findall(body)}
    return strings, words


def _used_keys() -> set[str]:
    used: set[str] = set()
    for path in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r'\bt\(\s*"([\w.]+)"', path.read_text(encoding="utf-8")))
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n(?:-placeholder|-label)?="([\w.]+)"', html))
    return used


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_language_has_every_string_with_the_same_placeholders(language: str) -> None:
    english, _ = _tables("en")
    strings, _ = _tables(language)
    assert set(strings) == set(english)
    for key, text in english.items():
        assert set(_PLACEHOLDER.findall(strings[key])) == set(_PLACEHOLDER.findall(text)), key
        assert strings[key] != text or not re.search(r"[a-z]{3}", text), f"{key} is English"


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_value_the_console_shows_has_words_in_each_language(language: str) -> None:
    _, words = _tables(language)
    for kind in ("status", "severity", "channel", "category", "urgency", "kind", "age"):
        assert words.get(kind), f"{language} has no words for {kind}"
    assert set(words["category"]) >= {
        "product_quality", "delivery", "billing", "service_attitude", "sales_contract",
        "after_sales", "advertising", "privacy", "other",
    }  # fmt: skip
    assert set(words["urgency"]) == {"low", "normal", "high", "critical"}


def test_every_key_the_page_uses_is_in_the_tables() -> None:
    english, _ = _tables("en")
    assert _used_keys() - set(english) == set()


class _TextWithoutKey(HTMLParser):
    """Elements of the page whose own text is written in the HTML without a string key."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "link", "input", "br"):
            self.stack.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("meta", "link", "input", "br") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if re.search(r"[A-Za-z]", data) and self.stack and "data-i18n" not in self.stack[-1]:
            self.bare.append(data.strip())


def test_no_text_in_the_page_is_left_in_english_only() -> None:
    parser = _TextWithoutKey()
    parser.feed((STATIC_DIR / "index.html").read_text(encoding="utf-8"))
    # The connection badge's first word is replaced by the socket module before it shows.
    assert parser.bare == ["offline"]
