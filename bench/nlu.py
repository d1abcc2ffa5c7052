"""NLU benchmark, run by hand: ``python bench/nlu.py [--data-dir DIR] [--lines 10000]``.

Prints one line per figure, each with its baseline from the same run:
parse latency p50/p99 (goal p50 <= 2 ms, p99 <= 10 ms), ``nlu parse`` throughput over 10,000
lines including start-up (goal >= 1,000 lines/s), model load time (goal <= 1 s), model size on
disk and peak RSS. Uses the newest model in ``<data-dir>/models`` (trained first if none).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The `nlu parse` entry point, as users run it (the console script's module).
PARSE_COMMAND = [sys.executable, "-m", "gateway.cli", "nlu", "parse"]
# The baseline for throughput: the same start-up and I/O, with json.loads/dumps as the "parse".
BASELINE_COMMAND = [
    sys.executable,
    "-c",
    "import sys, json\n"
    "out = sys.stdout.buffer\n"
    "for raw in sys.stdin.buffer:\n"
    "    line = raw.decode('utf-8', 'replace').rstrip('\\n')\n"
    "    out.write(json.dumps({'text': line}, ensure_ascii=False).encode() + b'\\n')\n",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def sample_messages(count: int, seed: int = 7) -> list[str]:
    """Messages from the shipped data in every language, some long, some JSON, some blank."""
    from nlu.training_data import SHIPPED_DATA_DIR, read_training_data

    texts = [e.text for e in read_training_data(SHIPPED_DATA_DIR).examples]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        text = rng.choice(texts)
        if i % 50 == 0:
            text = " ".join(rng.choice(texts) for _ in range(8))  # a long email-like message
        if i % 10 == 0:
            text = json.dumps({"text": text}, ensure_ascii=False)
        if i % 100 == 0:
            text = ""
        out.append(text)
    return out


def run_subprocess(command: list[str], stdin: bytes, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process (its own rusage, via wait4).

    Input and output go through files, so neither side can block on a full pipe.
    """
    with (
        tempfile.TemporaryFile() as src,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        src.write(stdin)
        src.seek(0)
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdin=src, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0 or not out.read(1):
            raise RuntimeError(err.read().decode(errors="replace"))
    return elapsed, int(usage.ru_maxrss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary one")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=3_000, help="single-message parses timed")
    args = parser.parse_args()

    from nlu.normalise import fold, mask
    from nlu.service import NluService
    from nlu.store import ModelStore

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nlu-bench-"))
    env = dict(os.environ, GATEWAY_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    if not any((data_dir / "models").glob("*/manifest.json")):
        # Train first, in a child, so this process stays small while children are measured
        # (a child's peak RSS counts the pages it was forked with).
        subprocess.run(PARSE_COMMAND, input=b"hi\n", env=env, check=True, capture_output=True)

    # -- `nlu parse` throughput through the CLI entry point ---------------------------------
    lines = sample_messages(args.lines, seed=11)
    stdin = ("\n".join(lines) + "\n").encode("utf-8")
    base_s, base_rss = run_subprocess(BASELINE_COMMAND, stdin, env)
    cli_s, cli_rss = run_subprocess(PARSE_COMMAND, stdin, env)
    rate = len(lines) / cli_s
    print(
        f"nlu parse throughput: {rate:,.0f} lines/s ({len(lines)} lines in {cli_s:.2f} s "
        f"incl. start-up; {cli_s / base_s:.1f}x the json-echo baseline, {base_s:.2f} s)"
    )
    print(
        f"nlu parse peak RSS: {cli_rss / 1024:.0f} MiB "
        f"(json-echo baseline {base_rss / 1024:.0f} MiB)"
    )

    service = NluService(data_dir)
    service.load(progress=lambda m: print(f"# {m}", file=sys.stderr))
    model = service.model
    store = ModelStore(data_dir / "models")
    print(f"model version: {model.version}")

    # -- parse latency, one message at a time -------------------------------------------
    messages = [m for m in sample_messages(args.calls) if m and not m.startswith("{")]
    for text in messages[:200]:  # warm caches (fastText, OpenCC converters)
        model.parse(text)
    parse_times, vector_times = [], []
    for text in messages:
        t0 = time.perf_counter()
        model.parse(text)
        t1 = time.perf_counter()
        model.vectoriser.transform(mask(fold(text)))
        t2 = time.perf_counter()
        parse_times.append((t1 - t0) * 1000)
        vector_times.append((t2 - t1) * 1000)
    for q in (50, 99):
        p, b = percentile(parse_times, q), percentile(vector_times, q)
        print(f"parse latency p{q}: {p:.3f} ms ({p / b:.1f}x the bare vectoriser call, {b:.3f} ms)")
    print(f"parse latency mean: {statistics.fmean(parse_times):.3f} ms over {len(messages)}")

    # -- model load --------------------------------------------------------------------------
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        store.load(model.version)
        loads.append(time.perf_counter() - t0)
    load_s = statistics.median(loads)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare_start = time.perf_counter() - t0
    cold_cmd = [
        sys.executable,
        "-c",
        "import sys; from pathlib import Path; from nlu.service import NluService; "
        "s = NluService(Path(sys.argv[1])); s.load(); s.parse_sync('hi')",
        str(data_dir),
    ]
    t0 = time.perf_counter()
    subprocess.run(cold_cmd, check=True, env=env)
    cold = time.perf_counter() - t0
    print(f"model load: {load_s * 1000:.0f} ms median of 5, in process")
    print(
        f"cold start (python + import + load + first parse): {cold * 1000:.0f} ms "
        f"({cold / bare_start:.1f}x bare python start-up, {bare_start * 1000:.0f} ms)"
    )

    # -- size and memory --------------------------------------------------------------------
    size = store.size_bytes(model.version)
    print(f"model size on disk: {size / 1e6:.1f} MB ({model.vectoriser.size:,} features)")
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"benchmark process peak RSS: {peak_self / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
