"""Signal regexes are searched only in text with the script their matches need."""

from __future__ import annotations

import re

import pytest

from nlu.normalise import bounded, fold
from nlu.regex_scripts import required_script, scripts_in
from nlu.signals import SignalMatcher, signal_tables
from nlu.training_data import HELD_OUT_DIR, SHIPPED_DATA_DIR, read_training_data


@pytest.mark.parametrize(
    ("source", "script"),
    [
        (r"\bdeaf\b", "latin"),
        (r"\b(gave|given|left)\s+(\w+\s+){0,3}burns?\b", "latin"),
        (r"(?<!try )again\b", "latin"),
        (r"x?y", "latin"),
        (r"[A-Z]{2}", "latin"),
        (r"[а-я]+ ошибка", "cyrillic"),
        ("退款", "han"),
        (r"\d{4,}", None),  # digits are in every script's text
        (r"(?:US\$|€)\s?\d+", None),
        ("(?:a|数)", None),  # either branch may match
        (r"x?\w", None),  # an optional letter need not be there
        (r"[^a-z]", None),
        ("(broken", None),  # not a pattern: always searched (and rejected where compiled)
    ],
)
def test_the_script_a_pattern_needs(source: str, script: str | None) -> None:
    assert required_script(source, re.IGNORECASE) == script


def test_the_scripts_a_text_has() -> None:
    assert scripts_in("退款 zakaz заказ") == {"latin", "cyrillic", "han"}
    assert scripts_in("12315 !!") == frozenset()


def test_skipping_searches_finds_what_searching_everything_finds() -> None:
    data = read_training_data(SHIPPED_DATA_DIR)
    regexes = signal_tables(data.regexes)
    gated = SignalMatcher({}, regexes)
    each = {
        name: [re.compile(s.replace("ё", "е"), re.IGNORECASE) for s in sources]
        for name, sources in regexes.items()
    }
    texts = [e.text for e in data.examples]
    texts += [e.text for e in read_training_data(HELD_OUT_DIR).examples]
    matched = 0
    for text in texts:
        folded = " ".join(fold(bounded(text)).split())
        want = {name for name, patterns in each.items() if any(p.search(folded) for p in patterns)}
        got = {f"{s.level}.{s.reason}" for s in gated.match_folded(folded)}
        assert got == want, text
        matched += bool(want)
    assert matched > 100  # the comparison saw real matches, not only silence
