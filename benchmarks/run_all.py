"""Runs every benchmark on every backend and writes docs/benchmarks.md.

Each (benchmark, backend) pair runs in its own subprocess with
`KERAS_BACKEND` set, so backends never share a process; the JSON records are
kept in `benchmarks/results/` and rendered as tables with the ratios and
goals. The hand-written history of performance fixes,
`benchmarks/performance_fixes.md`, is appended to the page.

Run: python benchmarks/run_all.py            (about 40 min on 2 CPU cores)
     python benchmarks/run_all.py --conditions "quiet machine (no other jobs)"
     python benchmarks/run_all.py --quick --output /tmp/benchmarks.md
     python benchmarks/run_all.py --render-only   (the page from saved records)
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

from benchmarks import report  # noqa: E402

BENCHMARKS = (
    "encoder_train_step",
    "mlm_pretraining",
    "attention_layer",
    "decoding",
    "generation",
    "application_throughput",
    "tokenization",
)
# Benchmarks that run on some backends only (the rest run on every backend):
# keras-hub's tokenizers are TensorFlow ops whichever backend Keras uses.
BENCHMARK_BACKENDS = {"tokenization": ("tensorflow",)}
# Run on their own (they take a checkout of another project or hours); their
# records in benchmarks/results/ are rendered with the others.
SEPARATE_RECORDS = ("nanogpt_shakespeare.json",)
BACKENDS = ("tensorflow", "jax", "torch")


def run_one(benchmark, backend, quick, results_directory, timeout, conditions=None):
    """Runs one benchmark on one backend; returns its record or an error.

    The record's file gains `wall_s`, the run's seconds, for the page.
    """
    path = os.path.join(results_directory, f"{benchmark}_{backend}.json")
    command = [sys.executable, os.path.join("benchmarks", f"{benchmark}.py")]
    command += ["--json", path] + (["--quick"] if quick else [])
    command += ["--conditions", conditions] if conditions else []
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            command,
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        failed = completed.returncode != 0
        message = completed.stderr[-1500:]
    except subprocess.TimeoutExpired:
        failed, message = True, f"timed out after {timeout} s"
    wall = time.perf_counter() - start
    if failed or not os.path.exists(path):
        return {"benchmark": benchmark, "backend": backend, "error": message}
    with open(path) as stream:
        record = json.load(stream)
    record["wall_s"] = round(wall, 1)
    with open(path, "w") as stream:
        json.dump(record, stream, indent=1)
    return record


def earlier_records(results_directory, records):
    """Records already in the results directory for pairs not run this time.

    So `--benchmarks decoding` refreshes the decoding tables and keeps the
    rest of the page.
    """
    done = {(r["benchmark"], r["backend"]) for r in records}
    earlier = []
    for benchmark in BENCHMARKS:
        for backend in BACKENDS:
            path = os.path.join(results_directory, f"{benchmark}_{backend}.json")
            if (benchmark, backend) not in done and os.path.exists(path):
                with open(path) as stream:
                    earlier.append(json.load(stream))
    for name in SEPARATE_RECORDS:
        path = os.path.join(results_directory, name)
        if os.path.exists(path):
            with open(path) as stream:
                earlier.append(json.load(stream))
    return earlier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke)")
    parser.add_argument("--backends", nargs="+", default=BACKENDS, choices=BACKENDS)
    parser.add_argument(
        "--benchmarks", nargs="+", default=BENCHMARKS, choices=BENCHMARKS
    )
    parser.add_argument(
        "--output",
        default=None,
        help="markdown page to write (default docs/benchmarks.md; with "
        "--quick, a temporary file)",
    )
    parser.add_argument(
        "--results",
        default=None,
        help="directory of the JSON records (default benchmarks/results; with "
        "--quick, a temporary directory)",
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per run")
    parser.add_argument(
        "--conditions",
        help="what else ran on the machine (e.g. 'quiet machine (no other jobs)'); "
        "kept in each record and shown on the page",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="run nothing: write the page from the records already in --results",
    )
    arguments = parser.parse_args()
    if arguments.render_only and arguments.quick:
        parser.error("--render-only renders saved records; --quick runs benchmarks")
    if arguments.quick:
        temporary = tempfile.mkdtemp(prefix="benchmarks_")
        results = arguments.results or temporary
        output = arguments.output or os.path.join(temporary, "benchmarks.md")
    else:
        results = arguments.results or os.path.join(REPOSITORY, "benchmarks", "results")
        output = arguments.output or os.path.join(REPOSITORY, "docs", "benchmarks.md")
    if arguments.render_only:
        records = earlier_records(results, [])
        if not records:
            parser.error(f"no benchmark records in {results}")
        write_page(output, report.render(records, "python benchmarks/run_all.py"))
        return 0
    os.makedirs(results, exist_ok=True)

    start = time.perf_counter()
    records = []
    for benchmark in arguments.benchmarks:
        for backend in arguments.backends:
            if backend not in BENCHMARK_BACKENDS.get(benchmark, BACKENDS):
                continue
            record = run_one(
                benchmark,
                backend,
                arguments.quick,
                results,
                arguments.timeout,
                arguments.conditions,
            )
            status = "error" if "error" in record else f"{record['wall_s']:.0f} s"
            print(f"{benchmark:24s} {backend:10s} {status}", flush=True)
            records.append(record)
    records += earlier_records(results, records)
    command = shlex.join(["python", "benchmarks/run_all.py", *sys.argv[1:]])
    write_page(output, report.render(records, command, time.perf_counter() - start))
    return 1 if any("error" in record for record in records) else 0


def write_page(path, page):
    """Writes the markdown `page` to `path`."""
    with open(path, "w") as stream:
        stream.write(page)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
