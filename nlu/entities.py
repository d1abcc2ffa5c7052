"""Entities with character offsets: order and ticket numbers, phones, emails, amounts, dates.

Patterns come from the data (``regex:`` tables named after the entity, ``lookup: date``, and
``lookup: currency_<ISO>`` tables); code adds only what a regex cannot say: choosing between
overlapping matches (a phone number is never also an order number), normalising values, and
reading an amount's number, multiplier and currency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu.normalise import bounded
from nlu.result import Entity
from nlu.vocabulary import compile_regexes, lookup_regex

ENTITY_NAMES: tuple[str, ...] = (
    "email",
    "ticket_number",
    "date",
    "phone",
    "order_number",
    "amount",
)
"""Entities extracted, in the order they win an overlap."""

_CURRENCY_TABLE = re.compile(r"^currency_([A-Z]{3})$")
# Groups of three after a separator are thousands ("1 299", "1,200"); one or two are decimals.
_NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+)(?:[.,]\d{1,2})?(?![\d])"
_MULTIPLIER = r"(?:\s?(?:万|萬|千|亿|億|[kK](?![A-Za-z])|тыс\.?|млн\.?))?"
_MULTIPLIERS = {"万": 10_000, "萬": 10_000, "千": 1_000, "亿": 10**8, "億": 10**8, "k": 1_000}
_MULTIPLIERS |= {"тыс": 1_000, "млн": 1_000_000}
# "元" and "块/塊" name the yuan in mainland text but the New Taiwan dollar in Taiwan's.
_LOCAL_YUAN = {"zh-Hant": "TWD"}


@dataclass(frozen=True, slots=True)
class _Candidate:
    entity: str
    start: int
    end: int
    value: str
    extractor: str
    anchored: bool
    extras: tuple[tuple[str, str], ...] = ()

    def sort_key(self) -> tuple[int, int, int, int]:
        # Emails and ticket numbers are unambiguous; a keyword-anchored match ("order 1234",
        # "tel 8 800 ...") beats a bare one; then the entity order; then the longer span.
        tier = 0 if self.entity in ("email", "ticket_number") else (1 if self.anchored else 2)
        return (tier, ENTITY_NAMES.index(self.entity), self.start - self.end, self.start)


class EntityExtractor:
    """Extracts the entities of :data:`ENTITY_NAMES` from the tables of a training data set."""

    def __init__(
        self,
        regexes: Mapping[str, Sequence[str]],
        lookups: Mapping[str, Sequence[str]],
    ) -> None:
        self._regexes = {
            name: compile_regexes(name, regexes.get(name, ()))
            for name in ENTITY_NAMES
            if name != "amount" or regexes.get(name)
        }
        self._date_lookup = lookup_regex(lookups.get("date", ()), prefix=False)
        self._currencies: list[tuple[str, re.Pattern[str]]] = []
        entries: list[str] = []
        for name, table in lookups.items():
            m = _CURRENCY_TABLE.match(name)
            if m and table:
                pattern = lookup_regex(table, consume_rest=True)
                if pattern is not None:
                    self._currencies.append((m.group(1), pattern))
                    entries.extend(table)
        currency = lookup_regex(entries, consume_rest=True)
        self._amounts: list[re.Pattern[str]] = []
        if currency is not None:
            cur = f"(?P<cur>{currency.pattern})"
            num = f"(?P<num>{_NUMBER})(?P<mult>{_MULTIPLIER})"
            self._amounts = [
                re.compile(rf"{cur}\s?{num}", re.IGNORECASE),
                re.compile(rf"{num}\s?{cur}", re.IGNORECASE),
            ]

    def extract(self, text: str, language: str | None = None) -> list[Entity]:
        """Entities in ``text``'s analysed prefix, ordered by start offset, never overlapping."""
        sample = bounded(text)
        candidates: list[_Candidate] = []
        for name, patterns in self._regexes.items():
            for pattern in patterns:
                candidates.extend(_regex_candidates(name, pattern, sample))
        if self._date_lookup is not None:
            for m in self._date_lookup.finditer(sample):
                candidates.append(
                    _Candidate("date", m.start(), m.end(), m.group(), "lookup", False)
                )
        for pattern in self._amounts:
            for m in pattern.finditer(sample):
                found = self._amount(m, language)
                if found is not None:
                    candidates.append(found)
        return _resolve(candidates)

    def _amount(self, m: re.Match[str], language: str | None) -> _Candidate | None:
        token = m.group("cur")
        code = next((c for c, p in self._currencies if p.fullmatch(token)), None)
        if code is None:
            return None
        if code == "CNY" and token in ("元", "块", "塊") and language in _LOCAL_YUAN:
            code = _LOCAL_YUAN[language]
        value = _number(m.group("num"), m.group("mult"))
        if value is None:
            return None
        return _Candidate(
            "amount", m.start(), m.end(), value, "regex", False, (("currency", code),)
        )


def _regex_candidates(name: str, pattern: re.Pattern[str], text: str) -> list[_Candidate]:
    anchored = "value" in pattern.groupindex
    found = []
    for m in pattern.finditer(text):
        if anchored:
            if m.group("value") is None:
                continue
            start, end = m.span("value")
        else:
            start, end = m.span()
        raw = text[start:end]
        if not raw.strip():
            continue
        found.append(_Candidate(name, start, end, _normalise(name, raw), "regex", anchored))
    return found


def _normalise(entity: str, raw: str) -> str:
    if entity == "ticket_number":
        return raw.upper()
    if entity == "phone":
        digits = "".join(ch for ch in raw if ch.isdigit())
        return ("+" if raw.lstrip().startswith("+") else "") + digits
    return raw


def _number(raw: str, multiplier: str) -> str | None:
    """``"1 299"`` -> ``"1299"``, ``"45,99"`` -> ``"45.99"``, ``"1.5"`` + ``万`` -> ``"15000"``."""
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    decimal = re.fullmatch(r"(.*?)[.,](\d{1,2})", digits)
    whole, frac = (decimal.group(1), decimal.group(2)) if decimal else (digits, "0")
    try:
        amount = float(f"{whole.replace(',', '')}.{frac}")
    except ValueError:
        return None
    amount *= _MULTIPLIERS.get(multiplier.strip().rstrip(".").lower(), 1)
    if amount == int(amount):
        return str(int(amount))
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def _resolve(candidates: list[_Candidate]) -> list[Entity]:
    chosen: list[_Candidate] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(candidates, key=_Candidate.sort_key):
        if any(c.start < end and start < c.end for start, end in taken):
            continue
        chosen.append(c)
        taken.append((c.start, c.end))
    chosen.sort(key=lambda c: (c.start, c.end))
    return [
        Entity(
            entity=c.entity,
            value=c.value,
            start=c.start,
            end=c.end,
            extractor=c.extractor,
            extras=c.extras,
        )
        for c in chosen
    ]
