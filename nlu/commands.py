"""The ``nlu`` command line: ``parse``, ``train`` and ``eval``.

The gateway's CLI calls :func:`add_nlu_commands`; each leaf sets ``args.handler`` to a
callable ``(args, data_dir) -> exit code``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterator
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
    evaluate.add_argument(
        "--retrain",
        action="store_true",
        help="with --test: train on --data first instead of scoring the model in use",
    )
    evaluate.add_argument(
        "--held-out",
        type=Path,
        default=None,
        help="also train on all data and report on this file or folder beside cross-validation "
        "(default: the shipped held-out set by other authors, nlu/heldout)",
    )
    evaluate.add_argument(
        "--no-cv", action="store_true", help="skip cross-validation (held-out report only)"
    )
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
"""Lines parsed together: sentence embeddings cost ~2 ms alone, ~0.8 ms each in a batch."""


PARALLEL_MIN_LINES = 2000
"""Input at least this long is parsed by forked worker processes, one per CPU (up to 4)."""


def run_parse(args: argparse.Namespace, data_dir: Path) -> int:
    """``nlu parse``: stdin lines to stdout JSON lines, in order; exit 0 whatever the input."""
    from nlu.service import NluService

    global _worker_model
    service = NluService(data_dir)
    service.load(progress=_stderr_progress)
    model = service.model
    default_hint = getattr(args, "language_hint", None)
    out = sys.stdout.buffer
    messages = read_messages(sys.stdin.buffer)
    if sys.stdin.isatty():  # someone typing expects each answer at once
        for message in messages:
            out.write(_parse_batch(model, [message], default_hint))
            out.flush()
        return 0

    head = list(itertools.islice(messages, PARALLEL_MIN_LINES))
    batches = _batches(itertools.chain(head, messages), PARSE_BATCH)
    workers = min(os.cpu_count() or 1, 4)
    if len(head) < PARALLEL_MIN_LINES or workers < 2 or not _can_fork():
        for batch in batches:
            out.write(_parse_batch(model, batch, default_hint))
        out.flush()
        return 0

    # Much input: forked workers share the loaded model and sentence encoder (copy-on-write,
    # nothing to load again) and parse batches in parallel; imap keeps the input order.
    _worker_model = model
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        jobs = ((batch, default_hint) for batch in batches)
        for answer in pool.imap(_parse_in_worker, jobs, chunksize=1):
            out.write(answer)
    out.flush()
    return 0


_worker_model: Any = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _parse_in_worker(job: tuple[list[tuple[str, str | None]], str | None]) -> bytes:
    batch, default_hint = job
    return _parse_batch(_worker_model, batch, default_hint)


def _parse_batch(
    model: Any, batch: list[tuple[str, str | None]], default_hint: str | None
) -> bytes:
    """The JSON lines for one batch; a failing batch is retried message by message."""
    texts = [text for text, _ in batch]
    hints = [hint or default_hint for _, hint in batch]
    try:
        results = [r.to_dict() for r in model.parse_many(texts, hints)]
    except Exception:  # retry one by one so one bad message loses only itself
        pairs = zip(texts, hints, strict=True)
        results = [_parse_one(model, text, hint) for text, hint in pairs]
    return b"".join(_dump(result) for result in results)


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
    """``nlu eval``: cross-validation and the held-out set; or ``--test FILE`` scored by the
    model in use (the newest stored version; ``--retrain`` trains on ``--data`` first)."""
    from nlu.evaluation import cross_validate, evaluate_on_test
    from nlu.report_text import format_report
    from nlu.training_data import (
        HELD_OUT_DIR,
        SHIPPED_DATA_DIR,
        TrainingData,
        TrainingDataError,
        read_training_data,
    )

    progress = (lambda _: None) if args.json else _stderr_progress
    held_out_path = args.held_out
    if held_out_path is None and args.data is None and HELD_OUT_DIR.is_dir():
        held_out_path = HELD_OUT_DIR  # the shipped data's own held-out set
    reports = []
    try:
        if args.test is not None:
            test = read_training_data(args.test)
            if args.retrain:
                data = read_training_data(args.data or SHIPPED_DATA_DIR)
                reports.append(evaluate_on_test(data, test, progress=progress))
            else:
                from nlu.service import NluService

                service = NluService(data_dir)
                service.load(progress)
                progress(f"scoring model {service.model_version}")
                reports.append(evaluate_on_test(TrainingData(), test, model=service.model))
        else:
            data = read_training_data(args.data or SHIPPED_DATA_DIR)
            if not args.no_cv:
                if args.folds < 2:
                    print("nlu eval: --folds must be at least 2", file=sys.stderr)
                    return 2
                reports.append(
                    cross_validate(data, folds=args.folds, seed=args.seed, progress=progress)
                )
            if held_out_path is not None:
                held_out = evaluate_on_test(
                    data, read_training_data(held_out_path), progress=progress
                )
                held_out.mode = f"held-out set by other authors ({held_out_path.name})"
                reports.append(held_out)
            if not reports:
                print("nlu eval: --no-cv needs a held-out set (--held-out)", file=sys.stderr)
                return 2
    except (TrainingDataError, ValueError) as exc:
        print(f"nlu eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        first = reports[0].to_dict()
        if len(reports) > 1:
            first["held_out"] = reports[1].to_dict()
        print(json.dumps(first, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_report(r) for r in reports))
    return 0
