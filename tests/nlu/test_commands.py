"""The `nlu` CLI handlers, driven through an argparse parser like the gateway's."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from nlu.commands import add_nlu_commands, read_messages
from nlu.store import ModelStore


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="complaint-gateway")
    add_nlu_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def run(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, stdin: bytes, *argv: str
) -> tuple[int, bytes]:
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    stdout_bytes = io.BytesIO()
    stdout_stream = io.TextIOWrapper(stdout_bytes, encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin_stream)
    monkeypatch.setattr(sys, "stdout", stdout_stream)
    args = parse_args(*argv)
    code = args.handler(args, data_dir)
    stdout_stream.flush()
    return code, stdout_bytes.getvalue()


def test_parse_writes_one_json_line_per_input_line(
    monkeypatch: pytest.MonkeyPatch, small_data_dir: Path
) -> None:
    lines = [
        b"hi",
        b"",
        '{"text": "退款¥399还没到账"}'.encode(),
        b"   ",
        b'{"no_text": 1}',
        b"{not json",
        b"\xff\xfe invalid utf-8 \xc3",
        '{"text": "你好", "language": "zh-TW"}'.encode(),
        b'{"text": "lone \\ud800 surrogate"}',
    ]
    code, out = run(monkeypatch, small_data_dir, b"\n".join(lines) + b"\n", "nlu", "parse")
    assert code == 0
    results = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert len(results) == len(lines)
    assert results[0]["text"] == "hi"
    assert results[1] == {}
    assert results[2]["text"] == "退款¥399还没到账"
    assert results[2]["language"] == "zh-Hans"
    assert results[3] == {} and results[4] == {}
    assert results[5]["text"] == "{not json"
    assert "\ufffd" in results[6]["text"]
    assert results[7]["language"] == "zh-Hant"
    assert results[8]["text"] == "lone \ud800 surrogate"


def test_parse_handles_crlf_and_a_missing_final_newline(
    monkeypatch: pytest.MonkeyPatch, small_data_dir: Path
) -> None:
    code, out = run(monkeypatch, small_data_dir, b"hi\r\nbye", "nlu", "parse")
    assert code == 0
    assert [json.loads(x)["text"] for x in out.splitlines()] == ["hi", "bye"]


def test_parse_language_hint_option(monkeypatch: pytest.MonkeyPatch, small_data_dir: Path) -> None:
    _, out = run(
        monkeypatch, small_data_dir, "你好\n".encode(), "nlu", "parse", "--language-hint", "zh-HK"
    )
    assert json.loads(out)["language"] == "zh-Hant"


def test_train_stores_a_new_version(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    small_data_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse_args("nlu", "train", "--data", str(small_data_path))
    assert args.handler(args, tmp_path) == 0
    captured = capsys.readouterr()
    version = captured.out.strip()
    assert ModelStore(tmp_path / "models").versions() == [version]
    assert "[nlu]" in captured.err  # progress on stderr


def test_train_with_bad_data_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args("nlu", "train", "--data", str(tmp_path / "missing.yml"))
    assert args.handler(args, tmp_path) == 2
    assert "missing.yml" in capsys.readouterr().err


def test_eval_prints_per_intent_and_language_figures(
    small_data_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args("nlu", "eval", "--data", str(small_data_path), "--folds", "2")
    assert args.handler(args, tmp_path) == 0
    out = capsys.readouterr().out
    for word in ("precision", "recall", "delivery", "zh-Hant", "most confused", "urgency"):
        assert word in out


def test_eval_json_with_a_test_file(
    small_data_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args(
        "nlu",
        "eval",
        "--retrain",
        "--data",
        str(small_data_path),
        "--test",
        str(small_data_path),
        "--json",
    )
    assert args.handler(args, tmp_path) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"intents", "accuracy", "macro_f1", "languages", "confused", "urgency"} <= set(report)
    assert {m["name"] for m in report["intents"]} == {
        "greet",
        "delivery",
        "billing",
        "request_human",
    }


def test_eval_with_a_test_file_scores_the_model_in_use_without_training(
    small_data_path: Path,
    small_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import nlu.evaluation

    def no_training(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("nlu eval --test must not train without --retrain")

    monkeypatch.setattr(nlu.evaluation, "train", no_training)
    args = parse_args("nlu", "eval", "--test", str(small_data_path), "--json")
    assert args.handler(args, small_data_dir) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy"] > 0.9  # the stored model was trained on this very file


def test_eval_reports_a_held_out_set_beside_cross_validation(
    small_data_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args(
        "nlu", "eval", "--data", str(small_data_path), "--folds", "2",
        "--held-out", str(small_data_path), "--json",
    )  # fmt: skip
    assert args.handler(args, tmp_path) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "2-fold cross-validation"
    assert report["held_out"]["mode"].startswith("held-out set")
    assert {"intent", "urgency"} <= set(report["held_out"]["calibration"])


def test_read_messages_reads_bytes_line_by_line() -> None:
    stream = io.BytesIO(b'plain\n{"text": "json", "language_hint": "ru"}\n[1, 2]\n')
    assert list(read_messages(stream)) == [("plain", None), ("json", "ru"), ("[1, 2]", None)]


def test_long_input_is_parsed_by_workers_in_input_order(
    monkeypatch: pytest.MonkeyPatch, small_data_dir: Path
) -> None:
    import nlu.commands

    lines = [f"order {20261103558712 + i} has not arrived" for i in range(300)]
    lines[7] = ""
    stdin = ("\n".join(lines) + "\n").encode()
    monkeypatch.setattr(nlu.commands, "PARALLEL_MIN_LINES", 10**9)
    _, sequential = run(monkeypatch, small_data_dir, stdin, "nlu", "parse")
    monkeypatch.setattr(nlu.commands, "PARALLEL_MIN_LINES", 100)
    monkeypatch.setattr(nlu.commands.os, "cpu_count", lambda: 2)
    code, parallel = run(monkeypatch, small_data_dir, stdin, "nlu", "parse")
    assert code == 0
    assert parallel == sequential
    assert [json.loads(x).get("text", "") for x in parallel.splitlines()] == lines
