"""Reading and writing Rasa NLU YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.training_data import (
    SHIPPED_DATA_DIR,
    Example,
    TrainingDataError,
    read_training_data,
    write_training_data,
)


def test_reads_intents_regexes_lookups_and_synonyms(tmp_path: Path) -> None:
    file = tmp_path / "x.yml"
    file.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: delivery\n"
        "  examples: |\n"
        "    - where is [20261103558712](order_number)?\n"
        "    - parcel late\n"
        "- intent: urgency_high\n"
        "  examples: |\n"
        "    - my wedding is tomorrow\n"
        "- regex: order_number\n"
        "  examples: |\n"
        "    - \\d{14}\n"
        "- lookup: high.deadline\n"
        "  examples: |\n"
        "    - wedding\n"
        "- synonym: CNY\n"
        "  examples: |\n"
        "    - 元\n",
        encoding="utf-8",
    )
    data = read_training_data(file)
    assert [e.text for e in data.intent_examples()] == ["where is 20261103558712?", "parcel late"]
    assert [e.intent for e in data.urgency_examples()] == ["urgency_high"]
    assert data.regexes == {"order_number": ["\\d{14}"]}
    assert data.lookups == {"high.deadline": ["wedding"]}
    assert data.synonyms == {"CNY": ["元"]}
    assert data.examples[0].source == "x"


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    examples = [Example("hi: there", "greet"), Example("- dash first", "greet")]
    file = tmp_path / "out.yml"
    write_training_data(file, examples, lookups={"low.minor": ["not a big deal"]})
    data = read_training_data(file)
    assert [(e.text, e.intent) for e in data.examples] == [
        ("hi: there", "greet"),
        ("- dash first", "greet"),
    ]
    assert data.lookups == {"low.minor": ["not a big deal"]}


def test_fingerprint_ignores_order_but_not_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    write_training_data(a, [Example("x", "i"), Example("y", "j")])
    write_training_data(b, [Example("y", "j"), Example("x", "i")])
    assert read_training_data(a).fingerprint() == read_training_data(b).fingerprint()
    write_training_data(b, [Example("y", "j"), Example("z", "i")])
    assert read_training_data(a).fingerprint() != read_training_data(b).fingerprint()


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu: [unclosed\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"bad\.yml"):
        read_training_data(tmp_path)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError):
        read_training_data(tmp_path / "nope")


def test_shipped_data_reads() -> None:
    data = read_training_data(SHIPPED_DATA_DIR)
    assert data.intent_examples() and data.regexes
