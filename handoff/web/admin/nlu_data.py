"""The intents' training examples as administrators edit them.

The working copy is Rasa YAML under `<data dir>/nlu/training/`, one file per language
(`en.yml`, `zh-Hans.yml`, ...), started from the shipped data on first use. An example's id
is a hash of its language, intent and text, so it is stable across processes and restarts.
Export and import use one Rasa file whose intent blocks carry `metadata: {language: ...}`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from nlu.language import detect_language
from nlu.training_data import (
    SHIPPED_DATA_DIR,
    Example,
    TrainingData,
    read_training_data,
    write_training_data,
)

INTENT_NAME = r"^[A-Za-z0-9_]{1,64}$"


class TrainingFileError(ValueError):
    """A Rasa file that cannot be imported; the message names the line."""


def example_id(example: Example) -> str:
    key = f"{example.source}\x1f{example.intent}\x1f{example.text}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


def as_dict(example: Example) -> dict[str, str]:
    return {
        "id": example_id(example),
        "intent": example.intent,
        "text": example.text,
        "language": example.source,
    }


def language_of(text: str) -> str:
    """The file a new example goes to: its detected language and script."""
    tag = detect_language(text)
    return tag if tag in {"en", "ru", "zh-Hans", "zh-Hant"} else tag.split("-")[0] or "und"


class ExampleFiles:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "nlu" / "training"

    def _seeded(self) -> Path:
        if not self.folder.is_dir():
            staging = self.folder.with_name(".training-seed")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(SHIPPED_DATA_DIR / "nlu", staging)
            staging.rename(self.folder)
        return self.folder

    def examples(self) -> list[Example]:
        return read_training_data(self._seeded()).examples

    def replace(self, examples: Iterable[Example]) -> None:
        """Writes the whole set, one file per language (files of other languages go)."""
        by_language: dict[str, list[Example]] = {}
        for example in examples:
            by_language.setdefault(example.source, []).append(example)
        folder = self._seeded()
        for old in folder.glob("*.yml"):
            if old.stem not in by_language:
                old.unlink()
        for language, found in by_language.items():
            temporary = folder / f".{language}.yml.tmp"
            write_training_data(temporary, found)
            temporary.replace(folder / f"{language}.yml")

    def training_data(self) -> TrainingData:
        """The working examples plus the shipped urgency examples (not edited here)."""
        data = read_training_data(self._seeded())
        urgency = SHIPPED_DATA_DIR / "urgency"
        if urgency.is_dir():
            data.merge(read_training_data(urgency))
        return data


def export_yaml(examples: Iterable[Example]) -> str:
    blocks: dict[tuple[str, str], list[str]] = {}
    for example in examples:
        blocks.setdefault((example.intent, example.source), []).append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for (intent, language), texts in blocks.items():
        lines += [f"- intent: {intent}", "  metadata:", f"    language: {language}"]
        lines.append("  examples: |")
        lines.extend(f"    - {' '.join(text.split())}" for text in texts)
    return "\n".join(lines) + "\n"


def import_yaml(text: str) -> list[Example]:
    """The examples of a Rasa NLU file; raises TrainingFileError naming the line at fault.

    `regex`, `lookup` and `synonym` blocks are accepted and left out: the entity tables
    are the shipped ones.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        raise TrainingFileError(f"{where}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(root, yaml.MappingNode):
        raise TrainingFileError("line 1: expected a mapping with an `nlu:` list")
    top = {key.value: value for key, value in root.value}
    nlu = top.get("nlu")
    if not isinstance(nlu, yaml.SequenceNode):
        raise TrainingFileError(f"line {_line(nlu or root)}: `nlu:` must be a list of blocks")
    examples: list[Example] = []
    for block in nlu.value:
        examples.extend(_block(block))
    return examples


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _block(node: Any) -> list[Example]:
    if not isinstance(node, yaml.MappingNode):
        raise TrainingFileError(f"line {_line(node)}: each `nlu:` entry must be a mapping")
    fields = {key.value: value for key, value in node.value}
    kinds = [kind for kind in ("intent", "regex", "lookup", "synonym") if kind in fields]
    if len(kinds) != 1:
        raise TrainingFileError(
            f"line {_line(node)}: a block needs exactly one of intent, regex, lookup, synonym"
        )
    if kinds[0] != "intent":
        return []
    intent = fields["intent"]
    if not isinstance(intent, yaml.ScalarNode) or not _valid_intent(intent.value):
        raise TrainingFileError(
            f"line {_line(intent)}: an intent name is letters, digits and underscores"
        )
    body = fields.get("examples")
    if not isinstance(body, yaml.ScalarNode):
        raise TrainingFileError(
            f"line {_line(body or node)}: `examples:` must be a `|` block of `- ` lines"
        )
    language = None
    metadata = fields.get("metadata")
    if isinstance(metadata, yaml.MappingNode):
        language = next((v.value for k, v in metadata.value if k.value == "language"), None)
    found = []
    first = _line(body) + (1 if body.style == "|" else 0)
    for offset, raw in enumerate(body.value.splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("- ") or not stripped[2:].strip():
            raise TrainingFileError(f"line {first + offset}: an example line starts with `- `")
        text = stripped[2:].strip()
        found.append(Example(text, intent.value, str(language or language_of(text))))
    return found


def _valid_intent(name: str) -> bool:
    return re.fullmatch(INTENT_NAME, name) is not None
