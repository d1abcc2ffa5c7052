"""The ``nlu`` command line: ``parse``, ``train`` and ``eval``.

The gateway's CLI calls :func:`add_nlu_commands`; each leaf sets ``args.handler`` to a
callable ``(args, data_dir) -> exit code``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


def add_nlu_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``nlu`` with sub-commands ``parse``, ``train`` and ``eval``."""
    nlu = subparsers.add_parser("nlu", help="parse, train and evaluate the NLU model")
    commands = nlu.add_subparsers(dest="nlu_command", metavar="COMMAND", required=True)

    parse = commands.add_parser(
        "parse",
        help='parse stdin, one message a line (text or JSON with "text"), one JSON line out',
    )
    parse.add_argument(
        "--language-hint",
        default=None,
        help="language to assume when the text does not tell (e.g. zh-TW, ru)",
    )
    parse.set_defaults(handler=run_parse)

    train = commands.add_parser("train", help="train a new model version from Rasa YAML")
    train.add_argument(
        "--data",
        type=Path,
        default=None,
        help="Rasa NLU file or folder (default: the shipped training data)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress on stderr")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser(
        "eval", help="cross-validate (or test on --test FILE) and report per-intent F1"
    )
    evaluate.add_argument("--data", type=Path, default=None, help="training data file or folder")
    evaluate.add_argument("--test", type=Path, default=None, help="held-out Rasa NLU test file")
    evaluate.add_argument("--folds", type=int, default=5, help="cross-validation folds (5)")
    evaluate.add_argument("--seed", type=int, default=0, help="fold shuffling seed (0)")
    evaluate.add_argument("--json", action="store_true", help="machine-readable JSON report")
    evaluate.set_defaults(handler=run_eval)


def _stderr_progress(message: str) -> None:
    print(f"[nlu] {message}", file=sys.stderr, flush=True)


# -- parse ----------------------------------------------------------------------------------


def read_messages(stream: IO[bytes]) -> Iterator[tuple[str, str | None]]:
    """(text, language hint) per input line; JSON objects give ``text`` (and ``language``).

    Bytes are decoded as UTF-8 with replacement, so invalid input never stops the stream.
    A line that is not a JSON object with a string ``text`` is taken as plain text, except a
    JSON object without ``text``, which counts as an empty message.
    """
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                obj = json.loads(stripped)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                text = obj.get("text")
                hint = obj.get("language_hint") or obj.get("language")
                yield (
                    text if isinstance(text, str) else "",
                    hint if isinstance(hint, str) else None,
                )
                continue
        yield line, None


def _dump(result: dict[str, Any]) -> bytes:
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # lone surrogates from a JSON escape: keep them escaped
        return json.dumps(result, separators=(",", ":")).encode("ascii") + b"\n"


PARSE_BATCH = 64
"""Lines parsed together: sentence embeddings are much cheaper per message in batches."""


def run_parse(args: argparse.Namespace, data_dir: Path) -> int:
    """``nlu parse``: stdin lines to stdout JSON lines, in order; exit 0 whatever the input."""
    from nlu.service import NluService

    service = NluService(data_dir)
    service.load(progress=_stderr_progress)
    model = service.model
    default_hint = getattr(args, "language_hint", None)
    out = sys.stdout.buffer
    # Someone typing expects each answer at once; a pipe is answered a batch at a time.
    batch_size = 1 if sys.stdin.isatty() else PARSE_BATCH

    def write(batch: list[tuple[str, str | None]], embeddings: Any) -> None:
        texts = [text for text, _ in batch]
        hints = [hint or default_hint for _, hint in batch]
        try:
            results = [r.to_dict() for r in model.parse_many(texts, hints, embeddings=embeddings)]
        except Exception:  # retry one by one so one bad message loses only itself
            pairs = zip(texts, hints, strict=True)
            results = [_parse_one(model, text, hint) for text, hint in pairs]
        for result in results:
            out.write(_dump(result))
        out.flush()

    if batch_size == 1:
        for batch in _batches(read_messages(sys.stdin.buffer), batch_size):
            write(batch, None)
        return 0
    # Pipeline: while batch k is parsed here, batch k+1 is embedded in a worker thread
    # (the sentence encoder's numpy work runs outside the GIL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-embed") as pool:
        pending: tuple[list[tuple[str, str | None]], Future[Any]] | None = None
        for batch in _batches(read_messages(sys.stdin.buffer), batch_size):
            future = pool.submit(model.embed_many, [text for text, _ in batch])
            if pending is not None:
                write(pending[0], _result_or_none(pending[1]))
            pending = (batch, future)
        if pending is not None:
            write(pending[0], _result_or_none(pending[1]))
    return 0


def _batches(
    messages: Iterator[tuple[str, str | None]], size: int
) -> Iterator[list[tuple[str, str | None]]]:
    batch: list[tuple[str, str | None]] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _result_or_none(future: Future[Any]) -> Any:
    try:
        return future.result()
    except Exception:  # embeddings failed: parse_many embeds (or falls back) itself
        log.exception("embedding a batch failed")
        return None


def _parse_one(model: Any, text: str, hint: str | None) -> dict[str, Any]:
    try:
        result: dict[str, Any] = model.parse(text, hint).to_dict()
    except Exception:
        log.exception("parse failed")
        result = {"text": text, "error": "parse_failed"}
    return result


# -- train ----------------------------------------------------------------------------------


def run_train(args: argparse.Namespace, data_dir: Path) -> int:
    """``nlu train``: train from Rasa YAML, store a new version, print its name."""
    from nlu.store import ModelStore
    from nlu.trainer import train_from_path
    from nlu.training_data import TrainingDataError

    progress = (lambda _: None) if getattr(args, "quiet", False) else _stderr_progress
    try:
        model = train_from_path(args.data, progress=progress)
    except (TrainingDataError, ValueError) as exc:
        print(f"nlu train: {exc}", file=sys.stderr)
        return 2
    folder = ModelStore(data_dir / "models").save(model)
    progress(f"stored model {model.version} in {folder}")
    print(model.version)
    return 0


# -- eval -----------------------------------------------------------------------------------


def run_eval(args: argparse.Namespace, data_dir: Path) -> int:
    """``nlu eval``: cross-validation, or train-and-test with ``--test``."""
    from nlu.evaluation import cross_validate, evaluate_on_test, format_report
    from nlu.training_data import SHIPPED_DATA_DIR, TrainingDataError, read_training_data

    progress = (lambda _: None) if args.json else _stderr_progress
    try:
        data = read_training_data(args.data or SHIPPED_DATA_DIR)
        if args.test is not None:
            test = read_training_data(args.test)
            report = evaluate_on_test(data, test, progress=progress)
        else:
            if args.folds < 2:
                print("nlu eval: --folds must be at least 2", file=sys.stderr)
                return 2
            report = cross_validate(data, folds=args.folds, seed=args.seed, progress=progress)
    except (TrainingDataError, ValueError) as exc:
        print(f"nlu eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0
