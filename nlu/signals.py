"""The urgency signal vocabulary: lookup and regex tables named ``<level>.<reason>``.

The vocabulary lives in the data (``nlu/data/signals/*.yml``); this module only matches it.
Text and entries are compared in their folded form (NFKC, case-folded, traditional Chinese
converted to simplified, ё as е), so one entry serves every script variant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu.intents import URGENCY_LEVELS, urgency_rank
from nlu.normalise import bounded, fold, fold_entry
from nlu.regex_scripts import required_script, scripts_in
from nlu.vocabulary import LookupIndex, compile_table

_TABLE_NAME = re.compile(r"^(?P<level>[a-z]+)\.(?P<reason>[a-z_]+)$")


@dataclass(frozen=True, slots=True)
class Signal:
    """A vocabulary table that matched: its level and reason."""

    level: str
    reason: str


def is_signal_table(name: str) -> bool:
    """True for a table name of the form ``<level>.<reason>`` with a known level."""
    m = _TABLE_NAME.match(name)
    return bool(m) and m is not None and m.group("level") in URGENCY_LEVELS


def signal_tables(tables: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The signal tables among a data set's lookup or regex tables."""
    return {name: list(entries) for name, entries in tables.items() if is_signal_table(name)}


class SignalMatcher:
    """Finds which ``<level>.<reason>`` tables a message triggers."""

    def __init__(
        self,
        lookups: Mapping[str, Sequence[str]],
        regexes: Mapping[str, Sequence[str]],
    ) -> None:
        names = sorted(
            set(signal_tables(lookups)) | set(signal_tables(regexes)),
            key=lambda n: (-urgency_rank(n.split(".")[0]), n),
        )
        self._signals: list[Signal] = []
        # (table, the script every match needs or None, patterns): see nlu.regex_scripts
        self._regexes: list[tuple[int, str | None, list[re.Pattern[str]]]] = []
        entries: list[tuple[int, list[str]]] = []
        for i, name in enumerate(names):
            level, reason = name.split(".", 1)
            self._signals.append(Signal(level, reason))
            entries.append((i, [fold_entry(e) for e in lookups.get(name, ())]))
            # Regex entries see folded text too, so an explicit "ё" in them is folded as well.
            sources = [s.replace("ё", "е").replace("Ё", "Е") for s in regexes.get(name, ())]
            by_script: dict[str | None, list[str]] = {}
            for source in sources:
                by_script.setdefault(required_script(source, re.IGNORECASE), []).append(source)
            for script, group in by_script.items():
                patterns = compile_table(name, group, re.IGNORECASE)
                if patterns:
                    self._regexes.append((i, script, patterns))
        self._lookups = LookupIndex(entries)

    @property
    def table_count(self) -> int:
        """How many signal tables are loaded."""
        return len(self._signals)

    def match(self, text: str) -> list[Signal]:
        """Signals found in ``text``, most urgent level first."""
        return self.match_folded(fold(bounded(text)))

    def match_folded(self, folded: str) -> list[Signal]:
        """:meth:`match` for text already passed through :func:`nlu.normalise.fold`."""
        text = " ".join(folded.split())
        found = self._lookups.tables_found(text)
        present = scripts_in(text)
        for i, script, patterns in self._regexes:
            if i in found or (script is not None and script not in present):
                continue
            if any(p.search(text) for p in patterns):
                found.add(i)
        return [self._signals[i] for i in sorted(found)]
