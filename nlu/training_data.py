"""Rasa 3.x NLU training data (``version: "3.1"``, a top-level ``nlu:`` list): read and write.

Only what the built-in model uses is kept: intent examples, ``regex:``, ``lookup:`` and
``synonym:`` entries. Entity annotations inside examples (``[text](entity)``) are reduced
to their text, since entities come from the regex and lookup entries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.intents import is_urgency_intent

SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "data"
"""The training data shipped with the package (``nlu train`` without ``--data``)."""

HELD_OUT_DIR = Path(__file__).resolve().parent / "heldout"
"""Complaints written in a separate round, in other words than the training data; never
trained on. ``nlu eval`` reports on them beside cross-validation."""

_ANNOTATION = re.compile(r"\[([^\]\n]+)\](?:\([^)\n]*\)|\{[^}\n]*\})")
_YAML_SUFFIXES = (".yml", ".yaml")


class TrainingDataError(ValueError):
    """A training data file is missing, unreadable or not Rasa NLU YAML."""


@dataclass(frozen=True, slots=True)
class Example:
    """One training sentence, its intent and the file it came from (its stem, e.g. ``en``)."""

    text: str
    intent: str
    source: str = ""


@dataclass
class TrainingData:
    """Everything read from one or more Rasa NLU files."""

    examples: list[Example] = field(default_factory=list)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def intent_examples(self) -> list[Example]:
        """Examples that train the intent model (not ``urgency_*``)."""
        return [e for e in self.examples if not is_urgency_intent(e.intent)]

    def urgency_examples(self) -> list[Example]:
        """Examples that train the urgency model (``urgency_*``)."""
        return [e for e in self.examples if is_urgency_intent(e.intent)]

    def merge(self, other: TrainingData) -> None:
        """Add ``other``'s examples and tables to this one (entries appended, not replaced)."""
        self.examples.extend(other.examples)
        for mine, theirs in (
            (self.regexes, other.regexes),
            (self.lookups, other.lookups),
            (self.synonyms, other.synonyms),
        ):
            for name, entries in theirs.items():
                mine.setdefault(name, []).extend(entries)
        self.files.extend(other.files)

    def fingerprint(self) -> str:
        """A hash of the content (not of file names or order), for model version names."""
        digest = hashlib.sha256()
        for e in sorted(self.examples, key=lambda e: (e.intent, e.text)):
            digest.update(f"e\x1f{e.intent}\x1f{e.text}\x1e".encode("utf-8", "replace"))
        for kind, tables in (("r", self.regexes), ("l", self.lookups), ("s", self.synonyms)):
            for name in sorted(tables):
                for entry in sorted(tables[name]):
                    digest.update(f"{kind}\x1f{name}\x1f{entry}\x1e".encode("utf-8", "replace"))
        return digest.hexdigest()


def data_files(path: Path) -> list[Path]:
    """The YAML files ``path`` stands for: itself, or every ``*.yml``/``*.yaml`` below it."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in _YAML_SUFFIXES and p.is_file())
    raise TrainingDataError(f"training data not found: {path}")


def read_training_data(path: Path) -> TrainingData:
    """Read a Rasa NLU file, or every YAML file below a folder.

    Raises :class:`TrainingDataError` naming the file when one cannot be used.
    """
    data = TrainingData()
    for file in data_files(path):
        data.merge(read_file(file))
    return data


def read_file(file: Path) -> TrainingData:
    """Read one Rasa NLU YAML file; files without an ``nlu:`` list contribute nothing."""
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrainingDataError(f"{file}: {exc}") from exc
    data = TrainingData(files=[file])
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
        return data
    stem = file.stem
    for block in doc["nlu"]:
        if not isinstance(block, dict):
            continue
        entries = list(_entries(block.get("examples")))
        if "intent" in block:
            intent = str(block["intent"])
            data.examples.extend(Example(_plain(text), intent, stem) for text in entries)
        elif "regex" in block:
            data.regexes.setdefault(str(block["regex"]), []).extend(entries)
        elif "lookup" in block:
            data.lookups.setdefault(str(block["lookup"]), []).extend(entries)
        elif "synonym" in block:
            data.synonyms.setdefault(str(block["synonym"]), []).extend(entries)
    return data


def _entries(examples: Any) -> Iterator[str]:
    """Rasa's ``examples: |`` block (``- item`` lines) or a list of strings / ``{text: ...}``."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                item = stripped[2:].strip()
            elif stripped == "-":
                item = ""
            else:
                continue
            if item:
                yield item
    elif isinstance(examples, list):
        for item in examples:
            text = item.get("text") if isinstance(item, dict) else item
            if text is not None and str(text).strip():
                yield str(text).strip()


def _plain(text: str) -> str:
    return _ANNOTATION.sub(r"\1", text)


def write_training_data(
    path: Path,
    examples: Iterable[Example] = (),
    *,
    regexes: dict[str, list[str]] | None = None,
    lookups: dict[str, list[str]] | None = None,
    synonyms: dict[str, list[str]] | None = None,
) -> None:
    """Write a Rasa NLU file (``version: "3.1"``) with one block per intent and table."""
    by_intent: dict[str, list[str]] = {}
    for e in examples:
        by_intent.setdefault(e.intent, []).append(e.text)
    lines = ['version: "3.1"', "nlu:"]
    for kind, tables in (
        ("intent", by_intent),
        ("regex", regexes or {}),
        ("lookup", lookups or {}),
        ("synonym", synonyms or {}),
    ):
        for name, entries in tables.items():
            lines.append(f"- {kind}: {_scalar(name)}")
            lines.append("  examples: |")
            lines.extend(f"    - {' '.join(entry.split())}" for entry in entries)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _scalar(name: str) -> str:
    dumped = yaml.safe_dump(name, default_flow_style=True, allow_unicode=True).strip()
    return dumped.removesuffix("...").strip()
