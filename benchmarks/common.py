"""Timing, memory and machine information shared by the benchmarks.

Every benchmark runs on the backend named by `KERAS_BACKEND` and prints one
JSON record (`emit`: the results, the command, the machine, the date it
started and, when given, the conditions it ran in); `benchmarks/run_all.py`
runs each in its own subprocess per backend and writes `docs/benchmarks.md`
from the records.

Example:
    >>> from benchmarks.common import median_seconds
    >>> seconds = median_seconds(lambda: sum(range(1000)), repeats=3, warmup=1)
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import sys
import time
import tracemalloc

import keras
import numpy as np

# When this benchmark process started (imports come first).
STARTED = datetime.datetime.now(datetime.timezone.utc)
DATE_FORMAT = "%Y-%m-%dT%H:%MZ"  # UTC, ISO 8601, minute precision


def utc_date(moment=None):
    """`moment` (default: when this process started) as UTC ISO 8601 to
    the minute, e.g. "2026-11-24T13:48Z": the `date` of a record."""
    moment = STARTED if moment is None else moment
    return moment.astimezone(datetime.timezone.utc).strftime(DATE_FORMAT)


def backend():
    """Returns the active Keras backend name."""
    return keras.backend.backend()


def synchronize(result):
    """Waits until `result` (any nest of tensors) is computed.

    JAX dispatches asynchronously, so its arrays are blocked on; TensorFlow
    and torch on CPU run eagerly and have finished when the call returns.
    """
    if backend() == "jax":
        import jax

        jax.block_until_ready(result)
    return result


def inference_context():
    """A context without gradient tracking (torch's no_grad), else a no-op."""
    if backend() == "torch":
        import torch

        return torch.no_grad()
    import contextlib

    return contextlib.nullcontext()


def median_seconds(function, repeats=5, warmup=1):
    """Median wall time of `function()` in seconds, after `warmup` calls.

    Args:
        function: a callable with no arguments; its result is synchronized.
        repeats: number of timed calls.
        warmup: untimed calls first (tracing, compilation, caches).

    Returns:
        The median of the `repeats` timings, in seconds.
    """
    for _ in range(warmup):
        synchronize(function())
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        synchronize(function())
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def interleaved_timings(functions, repeats=5, warmup=1):
    """Seconds of each call of several callables, timed in turns.

    Running the compared variants round-robin in one process lets them share
    the machine's load, so their ratio survives a busy machine.

    Args:
        functions: dict name -> callable with no arguments.
        repeats: timed rounds.
        warmup: untimed rounds first.

    Returns:
        dict name -> list of `repeats` timings in seconds, round by round.
    """
    for _ in range(warmup):
        for function in functions.values():
            synchronize(function())
    timings = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            synchronize(function())
            timings[name].append(time.perf_counter() - start)
    return timings


def interleaved_median_seconds(functions, repeats=5, warmup=1):
    """Median seconds of each of several callables timed in turns (see
    `interleaved_timings`): dict name -> median seconds."""
    timings = interleaved_timings(functions, repeats=repeats, warmup=warmup)
    return {name: statistics.median(values) for name, values in timings.items()}


def mirrored_builds(builders):
    """Builds each variant twice, in mirrored order (A B C C B A).

    On torch the model built first ran 4-10% slower than the one built after
    it whichever it was (memory placement, not the layers: swapping the build
    order flipped an ours / keras-hub ratio from 1.10 to 0.97). Two copies of
    each, built in mirrored order, cancel that position effect.

    Args:
        builders: dict name -> callable with no arguments that builds one
            copy of the variant (a step function, or whatever the caller
            times).

    Returns:
        dict "name/copy" (copy 1 or 2) -> what the builder returned, in build
        order.
    """
    order = list(builders) + list(reversed(builders))
    built = {}
    for position, name in enumerate(order):
        copy = 1 + (position >= len(builders))
        built[f"{name}/{copy}"] = builders[name]()
    return built


def mean_of_copies(timings, name):
    """Per round, the mean of the two copies' times of a variant built by
    `mirrored_builds` and timed by `interleaved_timings`."""
    return [(a + b) / 2 for a, b in zip(timings[f"{name}/1"], timings[f"{name}/2"])]


def ratio_of_rounds(timings, ours="ours", peer="keras_hub"):
    """`ratio_ours_over_keras_hub` (the median over rounds of ours / peer,
    each the mean of its two copies, see `mean_of_copies`) and
    `ratio_quartiles` (the 25th and 75th percentiles of those ratios)."""
    ratios = [
        a / b
        for a, b in zip(mean_of_copies(timings, ours), mean_of_copies(timings, peer))
    ]
    return {
        "ratio_ours_over_keras_hub": statistics.median(ratios),
        "ratio_quartiles": [float(q) for q in np.percentile(ratios, [25, 75])],
    }


def median_of_processes(script, count, quick, ratio_key="ratio_ours_over_keras_hub"):
    """Runs a benchmark script in `count` fresh processes, one after another,
    and combines their results.

    A process's memory placement moved a training-step ratio by up to 5%
    (one run gave 0.96, the next 1.04, same code), more than rounds within a
    process do, so the ratio is the median of the processes' ratios.

    Args:
        script: path of the benchmark; it must accept `--processes 1`,
            `--json PATH` and `--quick`.
        count: the number of processes.
        quick: whether to pass `--quick`.
        ratio_key: the key of the ratio in each process's `results`.

    Returns:
        The median process's results (`statistics.median_low` of the
        ratios), with `ratio_key` replaced by the median of the ratios,
        `process_ratios` (each process's) and `processes` (their results).
    """
    import subprocess
    import tempfile

    results = []
    with tempfile.TemporaryDirectory() as directory:
        for index in range(count):
            path = os.path.join(directory, f"{index}.json")
            command = [sys.executable, os.path.abspath(script), "--processes", "1"]
            command += ["--json", path] + (["--quick"] if quick else [])
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            with open(path) as stream:
                results.append(json.load(stream)["results"])
    ratios = [result[ratio_key] for result in results]
    middle = results[ratios.index(statistics.median_low(ratios))]
    return dict(
        middle,
        **{ratio_key: statistics.median(ratios)},
        process_ratios=ratios,
        processes=results,
    )


def peak_rss_mib():
    """The process's peak resident memory so far, in MiB (Linux ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mib():
    """The process's current resident memory in MiB (from /proc), or None."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return None


def peak_memory_mib(function):
    """Peak resident memory of one call of `function()` above the level before.

    Resets the kernel's high-water mark (`/proc/self/clear_refs`, Linux) and
    reads `VmHWM` after the call, so no sampling is needed. Call it on a fresh
    process's first call of `function`: allocators keep freed memory, so a
    repeated call may reuse it and show less (the benchmarks run each memory
    measurement in its own subprocess for this reason).

    Args:
        function: callable with no arguments.

    Returns:
        Peak extra memory in MiB during the call (it includes compilation
        when the call compiles).
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    baseline = current_rss_mib()
    synchronize(function())
    return _high_water_mib() - baseline


def _high_water_mib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return peak_rss_mib()


def python_allocations_mib(function):
    """Peak Python-heap allocations of one call (tracemalloc), in MiB."""
    tracemalloc.start()
    try:
        synchronize(function())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def matmul_gflops(size=1024, repeats=5):
    """GFLOP/s of a float32 (size x size) @ (size x size) matmul on this backend.

    The practical compute roof the model benchmarks are compared with.
    """
    from keras import ops

    rng = np.random.default_rng(0)
    a = ops.convert_to_tensor(rng.standard_normal((size, size)), "float32")
    b = ops.convert_to_tensor(rng.standard_normal((size, size)), "float32")
    seconds = median_seconds(lambda: ops.matmul(a, b), repeats=repeats, warmup=2)
    return 2.0 * size**3 / seconds / 1e9


def machine_info():
    """Machine, Python and library versions, as a dict."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "keras": keras.__version__,
        "backend": backend(),
        "accelerator": "none (CPU only)",
    }
    for module in ("keras_hub", "tensorflow", "jax", "torch", "numpy"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            pass
    return info


def _command_line():
    return shlex.join(sys.argv).replace(os.getcwd() + "/", "")


def _cpu_model():
    """The CPU as /proc/cpuinfo names it, with its family and model numbers
    and its widest vector instructions, e.g. "AMD EPYC (family 26 model 2,
    AVX-512)": hosts sold under one name differ in both, and step times
    with them."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
                if not line.strip():
                    break  # the first processor's fields
    except OSError:
        return platform.processor()
    flags = fields.get("flags", "").split()
    vectors = next(
        (name for flag, name in VECTOR_EXTENSIONS if flag in flags), "no AVX"
    )
    return (
        f"{fields.get('model name', platform.processor())} (family "
        f"{fields.get('cpu family', '?')} model {fields.get('model', '?')}, {vectors})"
    )


# /proc/cpuinfo flags, widest first.
VECTOR_EXTENSIONS = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"))


def argument_parser(description):
    """The command line every benchmark accepts: --quick, --json PATH and
    --conditions TEXT."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, for the smoke test"
    )
    parser.add_argument("--json", help="write the result record to this path")
    parser.add_argument(
        "--conditions",
        help="what else ran on the machine during the run (e.g. 'quiet machine', "
        "'CPU shared with two training jobs'); kept in the record and shown in "
        "the docs",
    )
    return parser


def emit(name, results, arguments):
    """Prints the record and writes it to `--json` if given.

    The record names the benchmark, backend, command, machine, the `date`
    this process started (`utc_date`) and, if `--conditions` was given, the
    conditions of the run.

    Args:
        name: the benchmark's name.
        results: a JSON-serialisable dict of measurements.
        arguments: the parsed command line.

    Returns:
        The record (dict).
    """
    record = {
        "benchmark": name,
        "backend": backend(),
        "quick": bool(arguments.quick),
        "date": utc_date(),
        "command": f"KERAS_BACKEND={backend()} python {_command_line()}",
        "machine": machine_info(),
        "results": results,
    }
    conditions = getattr(arguments, "conditions", None)
    if conditions:
        record["conditions"] = conditions
    text = json.dumps(record, indent=1, default=float)
    print(text)
    if arguments.json:
        with open(arguments.json, "w") as stream:
            stream.write(text)
    return record
