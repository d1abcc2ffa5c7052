"""Which script every match of a regex must contain, so its search can be skipped on text
that has none of that script.

Most signal regexes are written for one language: an English entry searched through a
Chinese complaint cannot match, yet Python's ``re`` scans the whole text for it (entries
that start with ``\\b(word|word)`` get no fast literal scan). Deciding per entry which
script it needs, from the stdlib's own parse of the pattern, lets a search run only on
text that has that script. Measured on shipped messages: signal regexes cost about a
quarter of a parse outside the sentence encoder.
"""

from __future__ import annotations

import re

# The stdlib's regex parser (``sre_parse`` before Python 3.11): the same reading of a
# pattern that ``re.compile`` uses, so the analysis cannot disagree with the matcher.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from nlu.language import SCRIPT_PATTERNS, SCRIPT_RANGES

GATED_SCRIPTS = ("latin", "cyrillic", "han")
"""The scripts the signal vocabulary is written in (language detection's definitions)."""


def scripts_in(text: str) -> frozenset[str]:
    """The scripts of :data:`GATED_SCRIPTS` that ``text`` has at least one letter of."""
    return frozenset(s for s in GATED_SCRIPTS if SCRIPT_PATTERNS[s].search(text))


def required_script(source: str, flags: int = 0) -> str | None:
    """A script every match of ``source`` contains a letter of, or None if there is none
    (or the pattern is beyond this analysis: it is then always searched).

    Meant for text already folded (NFKC, case-folded), where case-insensitive matching
    cannot reach outside a letter's own script.
    """
    try:
        parsed = _parser.parse(source, flags)
    except re.error:
        return None
    for script in GATED_SCRIPTS:
        if _sequence_needs(parsed, SCRIPT_RANGES[script]):
            return script
    return None


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _sequence_needs(items: Any, ranges: tuple[tuple[int, int], ...]) -> bool:
    """True if a match of this sequence must contain a character in ``ranges``: one of its
    mandatory items must."""
    return any(_item_needs(op, av, ranges) for op, av in items)


def _item_needs(op: Any, av: Any, ranges: tuple[tuple[int, int], ...]) -> bool:
    if op is sre.LITERAL:
        return _in(av, ranges)
    if op is sre.IN:
        return all(_set_member_needs(member_op, value, ranges) for member_op, value in av)
    if op is sre.BRANCH:
        return all(_sequence_needs(branch, ranges) for branch in av[1])
    if op is sre.SUBPATTERN:
        return _sequence_needs(av[-1], ranges)
    if op is sre.ATOMIC_GROUP:
        return _sequence_needs(av, ranges)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, body = av
        return bool(low >= 1 and _sequence_needs(body, ranges))
    return False  # anchors, lookarounds, any character, categories, back references


def _set_member_needs(op: Any, value: Any, ranges: tuple[tuple[int, int], ...]) -> bool:
    if op is sre.LITERAL:
        return _in(value, ranges)
    if op is sre.RANGE:
        low, high = value
        return any(lo <= low and high <= hi for lo, hi in ranges)
    return False  # a negated set or a category (\w, \d) reaches other scripts
