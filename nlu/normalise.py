"""Text clean-up shared by language detection, features and the signal vocabulary.

Everything here is total: any ``str`` (emoji, control characters, lone surrogates, mixed
scripts) goes in and a ``str`` comes out, so parsing never raises on junk.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import opencc

from nlu.translit import to_cyrillic

MAX_PARSE_CHARS = 5000
"""Only this prefix of a message is analysed; the whole text stays in the result."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]+")
_DIGITS = re.compile(r"\d+")
_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# OpenCC converter objects wrap C++ state; one per thread avoids sharing it across threads.
_local = threading.local()


def bounded(text: str) -> str:
    """The prefix of ``text`` that analysis looks at."""
    return text[:MAX_PARSE_CHARS]


def encodable(text: str) -> str:
    """``text`` with lone surrogates replaced by ``?`` (same length, so offsets still hold).

    JSON may carry ``"\\ud800"``; C extensions (OpenCC, fastText) refuse such strings.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def has_han(text: str) -> bool:
    """True when ``text`` holds at least one CJK ideograph."""
    return _HAN.search(text) is not None


def _converter(config: str) -> opencc.OpenCC:
    converters: dict[str, opencc.OpenCC] | None = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    conv = converters.get(config)
    if conv is None:
        conv = converters[config] = opencc.OpenCC(config)
    return conv


def to_simplified(text: str) -> str:
    """Traditional Chinese converted to simplified (OpenCC ``t2s``); other text unchanged."""
    if not has_han(text):
        return text
    return str(_converter("t2s").convert(encodable(text)))


def convert(text: str, config: str) -> str:
    """``text`` through an OpenCC conversion (``s2t``, ``s2tw``, ``t2s``...)."""
    if not has_han(text):
        return text
    return str(_converter(config).convert(encodable(text)))


def fold(text: str) -> str:
    """Case- and width-insensitive form used to match vocabulary: NFKC, casefold, t2s, ё→е.

    The same fold is applied to lookup entries, so a traditional or full-width message still
    matches a simplified, half-width entry.
    """
    text = unicodedata.normalize("NFKC", encodable(text))
    text = _CONTROL.sub(" ", text).casefold().replace("ё", "е")
    return to_simplified(text)


def for_features(text: str) -> str:
    """The form the classifiers see: Russian in Latin letters back in Cyrillic, then
    :func:`fold` and :func:`mask`."""
    return mask(fold(to_cyrillic(bounded(text))))


def mask(folded: str) -> str:
    """Folded text with numbers, URLs and emails masked and long repeats shortened.

    Numbers are masked because order numbers and sums say nothing about the category, and
    long repeats ("!!!!!!", "sooooo") are shortened so shouting looks like ordinary text.
    """
    text = _URL.sub(" url ", folded)
    text = _EMAIL.sub(" email ", text)
    text = _DIGITS.sub("0", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def fold_entry(entry: str) -> str:
    """:func:`fold` for vocabulary entries (cached: tables are compiled more than once)."""
    return _SPACES.sub(" ", fold(entry)).strip()
