"""Renders the benchmark records as the markdown page docs/benchmarks.md.

Everything on the page comes from the records: the tables, the machine, and
the list of runs (each benchmark's `date`, backends, `command` and, where a
record gives them, its `conditions`).

Example:
    >>> from benchmarks.report import render
    >>> page = render([], "python benchmarks/run_all.py", wall_seconds=1.0)
"""

import json
import os

FIXES_PAGE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "performance_fixes.md"
)
ROOF_GOAL = 0.75
DECODING_GOAL = 5.0
# The order of the page's sections; the runs are listed in it.
SECTIONS = (
    "encoder_train_step",
    "mlm_pretraining",
    "attention_layer",
    "decoding",
    "generation",
    "nanogpt_shakespeare",
    "application_throughput",
    "tokenization",
)
GENERATION_GOAL = {"torch": 3.0}  # ours / keras-hub tokens/s; 1.0 elsewhere
NANOGPT_LOSS_MARGIN = 0.02
LOSSLESS_GOAL = 0.999  # share of held-out lines a tokenizer must give back
TOKENIZER_NAMES = {
    "sentencepiece_bpe": "SentencePiece BPE, byte fallback (keras-hub)",
    "hf_byte_level_bpe": "HF `tokenizers` byte-level BPE",
    "wordpiece": "WordPiece of the applications (keras-hub)",
}


def _f(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return f"{value:,.{digits}f}"


def _table(header, rows):
    """A markdown table; a `|` inside a cell is escaped so it stays one cell."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |"
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def _by(records, benchmark):
    return [r for r in records if r.get("benchmark") == benchmark and "results" in r]


def _machine(records):
    for record in records:
        if "machine" in record:
            return record["machine"]
    return {}


def _processors(records):
    """The CPUs the records name (several when runs were on other hosts)."""
    return {r["machine"].get("processor") for r in records if "machine" in r} - {None}


def _one_or_each(values_by_backend):
    """The value shared by every backend, or each backend's value (those
    without one left out), or None if none has one."""
    values = {backend: value for backend, value in values_by_backend if value}
    distinct = set(values.values())
    if not distinct:
        return None
    if len(distinct) == 1 and len(values) == len(values_by_backend):
        return distinct.pop()
    return "; ".join(f"{backend}: {value}" for backend, value in values.items())


def _runs(records):
    """One line per benchmark: when, on which backends, with which command,
    and in which conditions where its records say."""
    runs = {}
    for record in records:
        if "results" in record:
            runs.setdefault(record.get("benchmark", "?"), []).append(record)
    order = list(SECTIONS) + sorted(set(runs) - set(SECTIONS))
    lines = []
    for benchmark in (name for name in order if name in runs):
        group = runs[benchmark]
        backends = [record.get("backend", "?") for record in group]
        dates = sorted({record["date"] for record in group if record.get("date")})
        if not dates:
            date = "a date not recorded"
        else:
            date = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
        line = f"    - `{benchmark}` on {date} ({', '.join(backends)})"
        commands = [
            (b, f"`{r['command'].replace(b, '<backend>')}`" if r.get("command") else "")
            for b, r in zip(backends, group)
        ]
        command = _one_or_each(commands)
        if command:
            line += f": {command}"
        if all("wall_s" in record for record in group):
            minutes = sum(record["wall_s"] for record in group) / 60
            line += f" ({minutes:.0f} min)"
        conditions = _one_or_each(
            [(b, r.get("conditions")) for b, r in zip(backends, group)]
        )
        if conditions:
            line += f". Conditions: {conditions}"
        if len(_processors(records)) > 1:
            processor = _one_or_each(
                [
                    (b, r.get("machine", {}).get("processor"))
                    for b, r in zip(backends, group)
                ]
            )
            line += f". CPU: {processor or 'not recorded'}"
        lines.append(line + ".")
    if not lines:
        return ""
    return "- Runs (from the records' `date`, `command` and `conditions`):\n" + (
        "\n".join(lines)
    )


def _accelerator(machine):
    """What the records say about a GPU, or nothing if they say nothing."""
    accelerator = machine.get("accelerator")
    if accelerator is None:
        return ""
    if accelerator.startswith("none"):
        return (
            " **CPU only: this machine has no GPU**, so the GPU goals (bf16, "
            "flash kernels, TFLOP/s) are not measured here."
        )
    return f" Accelerator: {accelerator}."


def _ratio_cell(result):
    """The ratio in bold, then each process's ratio in brackets."""
    by_process = result.get("process_ratios", [])
    spread = f" ({', '.join(f'{r:.2f}' for r in by_process)})" if by_process else ""
    return f"**{result['ratio_ours_over_keras_hub']:.2f}**{spread}"


def _encoder(records):
    rows, goals = [], []
    for record in _by(records, "encoder_train_step"):
        result, variants = record["results"], record["results"]["variants"]
        ours, hub = variants["ours"], variants["keras_hub"]
        native = variants.get("torch_native", {})
        ratio = result["ratio_ours_over_keras_hub"]
        rows.append(
            [
                record["backend"],
                _f(ours["ms_per_step"], 0),
                _f(hub["ms_per_step"], 0),
                _f(native.get("ms_per_step"), 0),
                _ratio_cell(result),
                _f(ours["gflops"]),
                _f(hub["gflops"]),
                _f(result["matmul_gflops"]),
                f"{100 * ours['fraction_of_matmul_roof']:.0f}%",
                _f(result["same_param_count"]),
            ]
        )
        goals.append((record["backend"], ratio, ours["fraction_of_matmul_roof"]))
    header = [
        "backend",
        "ours ms/step",
        "keras-hub ms/step",
        "torch.nn ms/step",
        "ours / keras-hub (each process)",
        "ours GFLOP/s",
        "keras-hub GFLOP/s",
        "f32 matmul GFLOP/s",
        "ours / matmul roof",
        "same #params",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _mlm(records):
    """The masked-LM pretraining table, and per record (backend, ratio)."""
    rows, goals = [], []
    for record in _by(records, "mlm_pretraining"):
        result, variants = record["results"], record["results"]["variants"]
        ours, hub = variants["ours"], variants["keras_hub"]
        ratio = result["ratio_ours_over_keras_hub"]
        rows.append(
            [
                record["backend"],
                _f(ours["ms_per_step"], 0),
                _f(hub["ms_per_step"], 0),
                _f(ours["tokens_per_s"], 0),
                _f(hub["tokens_per_s"], 0),
                _ratio_cell(result),
                _f(ours["params"], 0),
                _f(result["same_param_count"]),
            ]
        )
        goals.append((record["backend"], ratio))
    header = [
        "backend",
        "ours ms/step",
        "keras-hub ms/step",
        "ours tokens/s",
        "keras-hub tokens/s",
        "ours / keras-hub in time (each process)",
        "params",
        "same #params",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _attention(records):
    parts, memory_notes = [], []
    for record in _by(records, "attention_layer"):
        result = record["results"]
        rows = []
        for row in result["rows"]:
            forward, memory = row["forward_ms"], row.get("forward_memory_mib", {})
            backward = row.get("forward_backward_ms", {})
            rows.append(
                [
                    row["length"],
                    row.get("path", "fused kernel"),
                    _f(forward["ours_fused"], 2),
                    _f(forward["ours_explicit"], 2),
                    _f(forward["keras"], 2),
                    _f(forward["ours_explicit"] / forward["ours_fused"], 2) + "x",
                    _f(backward.get("ours_fused"), 1),
                    _f(backward.get("ours_explicit"), 1),
                    _f(backward.get("keras"), 1),
                    _f(memory.get("ours_fused"), 0),
                    _f(memory.get("ours_explicit"), 0),
                    _f(memory.get("keras"), 0),
                    _f(row["score_matrix_mib"], 0),
                ]
            )
        longest = result["rows"][-1]
        memory_notes.append(
            (
                record["backend"],
                longest["length"],
                longest.get("forward_memory_mib", {}).get("ours_fused"),
                longest["score_matrix_mib"],
            )
        )
        header = [
            "T",
            "default path",
            "fwd ms: ours default",
            "ours explicit",
            "keras",
            "explicit / default",
            "fwd+bwd ms: ours default",
            "ours explicit",
            "keras",
            "fwd peak MiB: ours default",
            "ours explicit",
            "keras",
            "scores (B,H,T,T) MiB",
        ]
        parts.append(f"**{record['backend']}**\n\n" + _table(header, rows))
    return ("\n".join(parts) if parts else "No results.\n"), memory_notes


def _decoding(records):
    rows, goals = [], []
    for record in _by(records, "decoding"):
        r = record["results"]
        rows.append(
            [
                record["backend"],
                _f(r["cached_tokens_per_s"], 0),
                _f(r["recompute_tokens_per_s"], 0),
                f"**{r['speedup']:.1f}x**",
                _f(r["identical_tokens"]),
                _f(r["cached_first_call_s"], 1),
                _f(r["beam_over_greedy"], 1) + "x",
            ]
        )
        goals.append((record["backend"], r["speedup"], r["identical_tokens"]))
    header = [
        "backend",
        "cached tokens/s",
        "recompute tokens/s",
        "cached / recompute",
        "identical tokens",
        "first call (trace+compile) s",
        f"beam ({_beams(records)}) / greedy time",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _beams(records):
    for record in _by(records, "decoding"):
        return record["results"]["num_beams"]
    return "?"


def _generation(records):
    rows, goals = [], []
    for record in _by(records, "generation"):
        backend = record["backend"]
        for batch, r in record["results"]["batches"].items():
            rows.append(
                [
                    backend,
                    batch,
                    _f(r["ours_tokens_per_s"], 0),
                    _f(r["keras_hub_tokens_per_s"], 0),
                    f"**{r['ours_over_keras_hub']:.2f}x**",
                    _f(r["recompute_tokens_per_s"], 0),
                    f"{r['ours_over_recompute']:.1f}x",
                    _f(r["identical_greedy_tokens"]),
                ]
            )
            goals.append((backend, batch, r["ours_over_keras_hub"]))
    header = [
        "backend",
        "batch",
        "ours tokens/s",
        "keras-hub GPT2CausalLM tokens/s",
        "ours / keras-hub",
        "recompute tokens/s",
        "ours / recompute",
        "identical greedy tokens",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _nanogpt(records):
    rows, goals = [], []
    for record in _by(records, "nanogpt_shakespeare"):
        r = record["results"]
        nano = r["nanogpt"]
        rows.append(
            [
                "nanoGPT `train.py` (torch)",
                _f(nano["ms_per_iteration"], 0),
                "–",
                f"{nano['best_reported_validation_loss']:.4f} (20 batches)",
                f"{nano['window_validation_loss']:.4f}",
                "–",
            ]
        )
        for backend, ours in r["ours"].items():
            rows.append(
                [
                    f"ours, `train lm` ({backend})",
                    _f(ours["ms_per_iteration"], 0),
                    _f(ours.get("ms_per_step_with_validation"), 0),
                    f"{ours['validation_loss']:.4f} (every window)",
                    f"{ours['validation_loss']:.4f}",
                    f"{ours['ms_per_iteration_over_nanogpt']:.2f}x",
                ]
            )
            goals.append(
                (
                    backend,
                    ours["loss_minus_nanogpt"],
                    ours["ms_per_iteration_over_nanogpt"],
                )
            )
    header = [
        "run",
        "ms/iteration (training steps)",
        "ms/step with validation",
        "validation loss as reported",
        "validation loss, same windows",
        "time / nanoGPT",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _one_line(text):
    """A message fit for one table cell: its first non-empty line."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else "?"


def _throughput(records):
    rows = []
    for record in _by(records, "application_throughput"):
        for name, r in record["results"]["presets"].items():
            if "error" in r or "skipped" in r:
                note = _one_line(r.get("error") or r.get("skipped"))
                rows.append(
                    [name, record["backend"], _f(r.get("params"), 0)]
                    + ["–"] * 3
                    + [note]
                )
                continue
            rows.append(
                [
                    name,
                    record["backend"],
                    _f(r["params"], 0),
                    r["batch"],
                    _f(r["ms_per_step"], 0),
                    _f(r.get("tokens_per_s") or r["examples_per_s"], 0),
                    "tokens/s" if r.get("tokens_per_s") else "examples/s",
                ]
            )
    rows.sort()
    header = ["preset", "backend", "params", "batch", "ms/step", "throughput", "unit"]
    if not rows:
        return "No results.\n"
    return _table(header, rows) + _retrained_since(rows)


def _retrained_since(rows):
    """A note for each preset whose shipped version has another parameter
    count than the one measured (retrained since the record was written)."""
    presets = os.path.join(os.path.dirname(__file__), "..", "applications", "presets")
    notes = []
    for name, measured in sorted({(row[0], row[2]) for row in rows}):
        if measured == _f(None):  # a failed or skipped run measured nothing
            continue
        path = os.path.join(presets, name, "metadata.json")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as file:
            count = json.load(file).get("parameter_count")
        if count is not None and _f(count, 0) != measured:
            notes.append(
                f"\nThe `{name}` rows were measured with a previous version of "
                f"the preset ({measured} parameters); the shipped one has "
                f"{_f(count, 0)}.\n"
            )
    return "".join(notes)


def _tokenization(records):
    """The tokenizers' table, and per record the worst SentencePiece corpus
    (its exact round-trip share and unknown-token rate)."""
    rows, goals = [], []
    for record in _by(records, "tokenization"):
        worst = None
        for corpus, result in record["results"]["corpora"].items():
            for key, r in result["tokenizers"].items():
                rows.append(
                    [
                        corpus,
                        TOKENIZER_NAMES.get(key, key),
                        _f(r["vocabulary_size"], 0),
                        _f(r["lines_per_s"], 0),
                        _f(r["tokens_per_s"], 0),
                        _f(r["tokens_per_line"], 2),
                        f"{100 * r['exact_round_trip']:.1f}%",
                        f"{100 * r['round_trip_up_to_case']:.1f}%",
                        f"{100 * r['unknown_rate']:.2f}%",
                        f"**{r['lines_per_s_over_wordpiece']:.2f}x**",
                        f"{r['tokens_per_line_over_wordpiece']:.2f}x",
                    ]
                )
                if key == "sentencepiece_bpe":
                    score = (r["exact_round_trip"], -r["unknown_rate"])
                    if worst is None or score < worst[1:]:
                        worst = (corpus, *score)
        if worst:
            goals.append((record["backend"], worst[0], worst[1], -worst[2]))
    header = [
        "corpus (held-out lines)",
        "tokenizer",
        "vocabulary",
        "lines/s",
        "tokens/s",
        "tokens/line",
        "exact round trip",
        "up to case",
        "unknown tokens",
        "lines/s / WordPiece",
        "tokens/line / WordPiece",
    ]
    return (_table(header, rows) if rows else "No results.\n"), goals


def _goals(encoder_goals, decoding_goals, memory_notes, generation_goals=(),
           nanogpt_goals=(), tokenization_goals=(), mlm_goals=()):  # fmt: skip
    rows = []
    for backend, ratio, _ in encoder_goals:
        rows.append(
            [
                f"training step ours / keras-hub <= 1.00 ({backend})",
                f"{ratio:.2f}",
                _f(ratio <= 1.0),
            ]
        )
    for backend, ratio in mlm_goals:
        rows.append(
            [
                f"MLM pretraining step ours / keras-hub BertMaskedLM <= 1.00 "
                f"({backend})",
                f"{ratio:.2f}",
                _f(ratio <= 1.0),
            ]
        )
    if encoder_goals:
        backend, _, best = max(encoder_goals, key=lambda goal: goal[2])
        rows.append(
            [
                f"best backend >= {ROOF_GOAL:.0%} of the matmul roof",
                f"{best:.0%} ({backend})",
                _f(best >= ROOF_GOAL),
            ]
        )
    for backend, speedup, identical in decoding_goals:
        rows.append(
            [
                f"cached decoding >= {DECODING_GOAL:.0f}x recompute, same tokens "
                f"({backend})",
                f"{speedup:.1f}x, identical={identical}",
                _f(speedup >= DECODING_GOAL and identical),
            ]
        )
    for backend, length, fused_mib, score_mib in memory_notes:
        rows.append(
            [
                f"fused inference at T={length} below one (B,H,T,T) score matrix "
                f"({backend})",
                f"{_f(fused_mib, 0)} MiB vs {score_mib:.0f} MiB",
                _f(fused_mib is not None and fused_mib < score_mib),
            ]
        )
    for backend, batch, ratio in generation_goals:
        goal = GENERATION_GOAL.get(backend, 1.0)
        rows.append(
            [
                f"generation ours / keras-hub GPT2CausalLM >= {goal:.1f}x "
                f"({backend}, batch {batch})",
                f"{ratio:.2f}x",
                _f(ratio >= goal),
            ]
        )
    if nanogpt_goals:
        for backend, loss_gap, _ in nanogpt_goals:
            rows.append(
                [
                    f"tiny Shakespeare loss <= nanoGPT's + {NANOGPT_LOSS_MARGIN} "
                    f"({backend})",
                    f"{loss_gap:+.4f}",
                    _f(loss_gap <= NANOGPT_LOSS_MARGIN),
                ]
            )
        best = min(nanogpt_goals, key=lambda goal: goal[2])
        rows.append(
            [
                "ms/iteration <= nanoGPT's on at least one backend",
                f"{best[2]:.2f}x ({best[0]})",
                _f(best[2] <= 1.0),
            ]
        )
    for backend, corpus, exact, unknown in tokenization_goals:
        rows.append(
            [
                f"SentencePiece BPE gives back >= {LOSSLESS_GOAL:.1%} of held-out "
                f"lines, no unknown token, on every corpus ({backend})",
                f"worst {corpus}: {exact:.1%} exact, {unknown:.2%} unknown",
                _f(exact >= LOSSLESS_GOAL and unknown == 0),
            ]
        )
    return _table(["goal", "measured", "met"], rows) if rows else "No results.\n"


def render(records, command, wall_seconds=None):
    """The markdown page for a list of benchmark records.

    Args:
        records: the JSON records of the benchmarks (errors included).
        command: the command line that regenerates them.
        wall_seconds: how long the whole run took, or None (not stated, e.g.
            when the page is rendered from saved records).

    Returns:
        The page as a string.
    """
    machine = _machine(records)
    encoder, encoder_goals = _encoder(records)
    mlm, mlm_goals = _mlm(records)
    attention, memory_notes = _attention(records)
    decoding, decoding_goals = _decoding(records)
    generation, generation_goals = _generation(records)
    nanogpt, nanogpt_goals = _nanogpt(records)
    tokenization, tokenization_goals = _tokenization(records)
    versions = ", ".join(
        f"{name} {machine[name]}"
        for name in (
            "python",
            "keras",
            "keras_hub",
            "tensorflow",
            "jax",
            "torch",
            "numpy",
        )
        if name in machine
    )
    errors = [r for r in records if "error" in r]
    quick = any(r.get("quick") for r in records)
    whole_run = (
        "" if wall_seconds is None else f"Whole run: {wall_seconds / 60:.1f} min. "
    )
    processors = _processors(records)
    processor = (
        machine.get("processor", "?")
        if len(processors) <= 1
        else "the CPU each run names below (runs were on different hosts)"
    )
    page = [
        "# Benchmarks\n",
        "Generated by `benchmarks/run_all.py`; every number below comes from the "
        "JSON records it writes to `benchmarks/results/` (`python "
        "benchmarks/run_all.py --render-only` renders this page again from them). "
        "Regenerate the page on a quiet machine with:\n",
        f"```bash\n{command}\n```\n",
        (
            "**Quick (smoke-test) sizes: these numbers are not the benchmark.**\n"
            if quick
            else ""
        ),
        f"- Machine: {processor}, {machine.get('cpu_count', '?')} "
        f"CPU cores, {machine.get('platform', '?')}.{_accelerator(machine)}",
        f"- Versions: {versions}.",
        _runs(records),
        f"- {whole_run}Each benchmark runs per backend in its own process; "
        "compared variants are timed in turns (interleaved) in one process and "
        "medians are reported, so ratios hold up better than absolute times on a "
        "loaded machine.",
        "- On a CPU shared with other jobs absolute times are noisy (and torch's "
        "OpenMP threads suffer most from oversubscription); trust the ratios "
        "first. The conditions of each run, where its records give them, are in "
        "the list of runs above.\n",
        "## Goals\n",
        _goals(
            encoder_goals,
            decoding_goals,
            memory_notes,
            generation_goals,
            nanogpt_goals,
            tokenization_goals,
            mlm_goals,
        ),
        "## Encoder training step\n",
        "A 2-block post-LN encoder classifier (batch 32, length 128, d_model 256, "
        "8 heads, d_ff 1024, vocabulary 8000, mean pooling, 2 classes) built from "
        "`keras_attention.layers` vs from `keras_hub.layers.TransformerEncoder` + "
        "`TokenAndPositionEmbedding`, and on torch vs native "
        "`torch.nn.TransformerEncoderLayer`; Adam, one `train_on_batch` per step "
        "(XLA-compiled on TensorFlow and JAX by Keras' `jit_compile='auto'`, eager "
        "on torch). GFLOP/s counts the matmuls analytically, 3x the forward pass "
        "for forward+backward; the roof is a 1024x1024 float32 matmul measured in "
        "the same process. Each variant is built twice, in mirrored order (ours, "
        "keras-hub, [torch.nn,] [torch.nn,] keras-hub, ours), because on torch the "
        "model built first ran 4-10% slower whichever it was; a step time is the "
        "median over 21 rounds of the two copies' mean. A fresh process moved the "
        "ratio by up to 5% (its memory placement), so each backend runs in three "
        "processes in turn: the ratio is the median of their ratios (all three in "
        "brackets), and the other columns are the median process's.\n",
        encoder,
        "## Masked-LM pretraining: ours vs keras-hub's BertMaskedLM\n",
        "The same small BERT built as our `applications.BertMaskedLM` "
        "(`BertBackbone` + `MaskedLMHead`) and as keras-hub's "
        "`keras_hub.models.BertMaskedLM` (`keras_hub.models.BertBackbone`): 2 "
        "layers, 2 heads, hidden 128, intermediate 512, sequence length 128, "
        "BERT's vocabulary of 30,522 tokens, 2 segment types, the pooler (keras-hub's "
        "backbone always has one; it gets no gradient from the masked-LM loss "
        "in either), dropout 0.1, the tanh approximation of GELU in the "
        'feed-forwards (ours with `activation="gelu_approximate"`; keras-hub\'s '
        "BERT always takes it), random weights, no preprocessor. Both are "
        "compiled alike (Adam 1e-4, sparse cross-entropy from logits, weighted "
        "masked-token accuracy) and stepped with `train_on_batch` on the same "
        "already-masked batch of 32 packed sentence pairs: token ids, segment "
        "ids, padding mask, 19 mask positions per sequence (15% of 128; 80% "
        "`[MASK]`, 10% random, 10% kept), their labels and sample weights "
        "(XLA-compiled on TensorFlow and JAX, eager on torch). tokens/s is batch "
        "x sequence length (4,096) / step time. As in the encoder benchmark, "
        "each model is built twice in mirrored order (ours, keras-hub, "
        "keras-hub, ours), a step time is the median over the rounds of the two "
        "copies' mean (11 rounds), and each backend runs in three fresh "
        "processes: the ratio is the median of their ratios (all three in "
        "brackets), the other columns are the median process's. A process's "
        "ratio is the median of its per-round ratios, which can differ from the "
        "ratio of its two median step times (the machine's load changes from "
        "round to round). Until 2026-12-02 ours ran with its default exact "
        "(erf) GELU, whose backward pass with JAX on a CPU took ~8% more time "
        "than the tanh form's (the backbone's gradient without dropout: 216 "
        "against 199 ms, Intel "
        "Xeon family 6 model 167): the records before that date gave JAX a "
        "ratio of 1.01-1.02. With the same GELU the two are at parity: the "
        "same command's run just before the recorded one (2026-12-02T09:17Z, "
        "same CPU and conditions) gave 1.000 (JAX), 1.000 (TensorFlow) and 1.007 "
        "(torch), so a ratio's run-to-run spread (~0.5%) exceeds the "
        "difference. What differs between the two models "
        "is small: the head's layer norm epsilon is 1e-12 "
        "in ours and 1e-5 in keras-hub's; a padded query's output is zeroed "
        "in ours; ours would take the "
        "fused attention kernel with dropout off, but in training with dropout "
        "0.1 both run the explicit softmax(QK^T)V with dropout; the "
        "masked-position gather (`take_along_axis`) and the tied output "
        "projection (a matmul with the transposed token embedding) are the "
        "same ops in both. Run it alone with "
        "`KERAS_BACKEND=<backend> python benchmarks/mlm_pretraining.py` "
        "(`--quick` for a smoke test).\n",
        mlm,
        "## Attention layer by sequence length\n",
        "Self-attention, batch 1, 4 heads of 32 features (width 128), float32. "
        "`ours default` is our `MultiHeadAttention` as it runs by default; the "
        "`default path` column is what spies saw it call: the backend's fused "
        "kernel `keras.ops.dot_product_attention` (JAX, torch), the explicit "
        "softmax(QK^T)V (TensorFlow, which has no fused kernel and whose composed "
        "one trained 2x slower), or query blocks (T > 2048 where the kernel would "
        "hold every score: XLA on CPU). `ours explicit` is the same "
        "layer forced onto its explicit softmax(QK^T)V path (by requesting the "
        "scores); `keras` is `keras.layers.MultiHeadAttention` with the same "
        "weights. Forward is compiled (`jax.jit`, `tf.function(jit_compile=True)`) "
        "or eager under `torch.no_grad()`; forward+backward differentiates the sum "
        "of the output and is measured up to T=2048 (minutes and several GiB per "
        "variant at 8192 on this CPU). Peak memory is the rise of the kernel's "
        "resident-set high-water mark (`VmHWM`, reset before the call) over one "
        "forward pass, compilation included, each variant in a fresh process "
        "(allocators reuse freed memory within a process); measured at T=2048 "
        "and 8192. On CPU, XLA (TensorFlow, JAX) materialises the scores even "
        "through `dot_product_attention` (see `keras` and `ours explicit`); our "
        "query blocks hold one block's (B, H, 1024, T) scores at a time; torch's "
        "CPU SDPA kernel holds none.\n",
        attention,
        "## Decoding\n",
        "A Transformer `Translator` (2+2 layers, d_model 128, 4 heads, d_ff 512, "
        "vocabulary 8000, random weights) translating 64 sentences of 20 tokens to "
        "40 tokens. Cached: `Translator.generate()` (keras-hub greedy sampler, one "
        "cached decoder step per token, compiled on TensorFlow/JAX). Recompute: the "
        "keras.io English-Spanish example's loop, the full model on the whole prefix "
        "for each new token and the argmax at that position (compiled forward via "
        "`predict_on_batch`, a stronger baseline than the example's eager call).\n",
        decoding,
        "## Text generation\n",
        "A GPT of the `gpt_tiny_shakespeare` preset's size (4 layers, width 192, "
        "4 heads, d_ff 768, vocabulary 325, random weights) continuing 8-token "
        "prompts by 128 tokens, greedy. Ours: `GPT.generate()` (the prompt written "
        "into one cache in one pass, then `decoding_step` per token in keras-hub's "
        "sampler, XLA-compiled on TensorFlow/JAX, eager on torch). keras-hub: "
        "`GPT2CausalLM.generate()` on a `GPT2Backbone` of the same size. "
        "Recompute: nanoGPT's `generate`, the whole prefix through the model for "
        "every token (`predict_on_batch`), which must give the same tokens.\n",
        generation,
        "## nanoGPT on tiny Shakespeare\n",
        "nanoGPT's own `train.py` with its README's CPU command (4 layers, 4 heads, "
        "width 128, context 64, batch 12, 2,000 iterations, learning rate 1e-3 "
        "decayed to 1e-4, dropout 0), run from a copy of a nanoGPT checkout, and "
        "our `train lm` recipe with the same settings, split (first 90% of the "
        "characters train) and characters (`benchmarks/nanogpt_shakespeare.py`). "
        "The same-windows column scores both models on every consecutive "
        "64-character window of the validation text (nanoGPT's best checkpoint "
        "with its own model code). ms/iteration is the median training step "
        "without the evaluations, as nanoGPT's `iter` lines time it; ours with "
        "validation spreads each epoch's pass over the whole validation split "
        "(1,742 windows) over its 250 steps.\n",
        nanogpt,
        "## Application presets: training throughput\n",
        "Each preset's backbone rebuilt from its `config.json` (random weights), "
        "Adam on a mean-squared-error loss over its output, synthetic batch of "
        "length 64 (capped by the preset's maximum).\n",
        _throughput(records),
        "## Tokenizers: speed and losslessness\n",
        "Each corpus side of `../shared/data` (distinct lines, a seeded shuffle: "
        "4,000 training and 1,000 disjoint held-out lines); three tokenizers "
        "learn a vocabulary of the same size from the training lines (2,000; "
        "4,000 for eng-cmn Chinese, 8,000 for Tang poems) and tokenize the "
        "held-out lines in one batch call (Python strings in, lists of ids out; "
        "median of 5 rounds timed in turns after a warm-up; one core). "
        "SentencePiece: `train_sentence_piece` (BPE, byte fallback, no "
        "normalisation; character coverage 0.9995 for Chinese) read by keras-hub's "
        "`SentencePieceTokenizer`, as the GPT uses it. HF: `tokenizers`' "
        "`ByteLevelBPETokenizer`. WordPiece: `learn_wordpiece_vocabulary` in the "
        "class and case each application uses (translator source, lowercased, "
        "for English; translator target, cased, for Chinese; text classifier, "
        "lowercased, for MR; a cased translator target for Shakespeare and Tang "
        "poems, which no WordPiece application reads). A round trip is "
        "`detokenize(tokenize(line)) == line`. The tokenizers are TensorFlow ops "
        "(keras-hub) or Rust (`tokenizers`) on every Keras backend, so the "
        "benchmark runs on TensorFlow only.\n",
        tokenization,
    ]
    if errors:
        page.append("## Failed runs\n")
        for record in errors:
            message = record["error"].strip().splitlines()[-1:] or ["?"]
            page.append(
                f"- {record['benchmark']} on {record['backend']}: `{message[0]}`"
            )
        page.append("")
    if os.path.exists(FIXES_PAGE):
        with open(FIXES_PAGE) as stream:
            page.append(stream.read())
    return "\n".join(page).rstrip() + "\n"
