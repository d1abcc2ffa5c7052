"""Lookup tables as regular expressions, with the matching rules the data files rely on.

A Latin or Cyrillic entry matches at the start of a word and, as a prefix, may run on into
more letters ("lawyer" matches "lawyers"); a CJK entry matches anywhere, since Chinese has no
spaces between words; an entry starting or ending with a digit never matches inside a longer
number ("12315" does not match "123156"). Spaces inside an entry match any run of spaces.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

log = logging.getLogger(__name__)

# Latin and Cyrillic letters. A word starts where none precedes (a digit, punctuation or a
# Chinese character may: "500руб", "找lawyer").
_ALPHA = "A-Za-z\u00c0-\u024f\u0400-\u052f"
_NOT_AFTER_LETTER = f"(?<![{_ALPHA}])"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff]")


def _is_wordish(char: str) -> bool:
    return char.isalnum() and not _CJK.match(char)


def entry_pattern(entry: str, *, prefix: bool = True, consume_rest: bool = False) -> str:
    """The regex source for one lookup entry.

    ``prefix=True`` lets a Latin/Cyrillic entry run on into more letters; ``False`` requires
    it to end at a word boundary. ``consume_rest`` makes the match include those letters.
    A word start is any position not preceded by a Latin or Cyrillic letter.
    """
    words = entry.split()
    if not words:
        return ""
    body = r"\s+".join(re.escape(w) for w in words)
    first, last = entry.strip()[0], entry.strip()[-1]
    if first.isdigit():
        body = r"(?<!\d)" + body
    elif _is_wordish(first):
        body = _NOT_AFTER_LETTER + body
    if last.isdigit():
        body += r"(?!\d)"
    elif _is_wordish(last) and not prefix:
        body += f"(?![{_ALPHA}])"
    elif _is_wordish(last) and consume_rest:
        body += f"[{_ALPHA}]*"
    return body


def lookup_regex(
    entries: Iterable[str], *, prefix: bool = True, consume_rest: bool = False
) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any entry (longest first), or None if empty."""
    sources = sorted(
        {
            p
            for p in (entry_pattern(e, prefix=prefix, consume_rest=consume_rest) for e in entries)
            if p
        },
        key=len,
        reverse=True,
    )
    if not sources:
        return None
    return re.compile("|".join(sources), re.IGNORECASE)


_ALPHA_SET = re.compile(f"[{_ALPHA}]")


class LookupIndex:
    """Many lookup tables matched in one pass over the text (prefix matching, see above).

    One alternation regex per table costs tens of microseconds a table, because every
    alternative carries a lookbehind that defeats the regex engine's literal-prefix search;
    this index looks up the two characters at each position instead and compares only the
    entries starting with them. Text and entries must already be folded and have single
    spaces (:func:`nlu.normalise.fold`).
    """

    def __init__(self, tables: Iterable[tuple[int, Iterable[str]]]) -> None:
        self._index: dict[str, list[tuple[str, int, int, bool]]] = {}
        for table, entries in tables:
            for entry in entries:
                if not entry:
                    continue
                first, last = entry[0], entry[-1]
                start = 2 if first.isdigit() else (1 if _is_wordish(first) else 0)
                self._index.setdefault(entry[:2], []).append((entry, table, start, last.isdigit()))

    def tables_found(self, text: str) -> set[int]:
        """The tables with at least one entry in ``text``."""
        found: set[int] = set()
        index = self._index
        for i in range(len(text)):
            candidates = index.get(text[i : i + 2])
            if not candidates:
                continue
            before = text[i - 1] if i else ""
            for entry, table, start, end_digit in candidates:
                if table in found or not text.startswith(entry, i):
                    continue
                if start == 1 and before and _ALPHA_SET.match(before):
                    continue
                if start == 2 and before.isdigit():
                    continue
                after = text[i + len(entry) : i + len(entry) + 1]
                if end_digit and after.isdigit():
                    continue
                found.add(table)
        return found


def compile_regexes(name: str, sources: Iterable[str], flags: int = 0) -> list[re.Pattern[str]]:
    """Compile a table's ``regex:`` entries one by one; a broken entry is logged and skipped."""
    compiled = []
    for source in sources:
        try:
            compiled.append(re.compile(source, flags))
        except re.error as exc:
            log.warning("skipping invalid regex in %s: %r (%s)", name, source, exc)
    return compiled


def compile_table(name: str, sources: Iterable[str], flags: int = 0) -> list[re.Pattern[str]]:
    """As few patterns as possible that together match what a table's ``regex:`` entries
    match; a broken entry is logged and skipped.

    One search of an alternation is much cheaper than one search per entry, and compiling
    it once (not each entry too) halves the start-up cost; entries that cannot join one
    (inline global flags, or numbered backreferences that would shift) keep their own.
    """
    alone: list[str] = []
    joinable: list[str] = []
    for source in sources:
        if source.startswith("(?") and re.match(r"\(\?[aiLmsux]+\)", source):
            alone.append(source)
        elif re.search(r"\\[1-9]|\(\?P=", source):
            alone.append(source)
        else:
            joinable.append(source)
    if not joinable:
        return compile_regexes(name, alone, flags)
    try:
        joined = re.compile("|".join(f"(?:{source})" for source in joinable), flags)
    except re.error:  # a broken entry, or duplicate group names across entries
        return compile_regexes(name, alone + joinable, flags)
    return [joined, *compile_regexes(name, alone, flags)]
