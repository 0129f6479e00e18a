"""The benchmarks run and measure the right things (tiny sizes, no timings checked)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchmarks import (  # noqa: E402
    application_throughput,
    attention_layer,
    common,
    encoder_train_step,
    mlm_pretraining,
    report,
)

TINY = dict(batch=2, length=8, d_model=16, heads=2, d_ff=32, vocab=50)
DECODING_RECORD = {
    "benchmark": "decoding",
    "backend": "jax",
    "results": {
        "cached_tokens_per_s": 100.0,
        "recompute_tokens_per_s": 10.0,
        "speedup": 10.0,
        "identical_tokens": True,
        "cached_first_call_s": 1.0,
        "beam_over_greedy": 3.0,
        "num_beams": 4,
    },
}


def test_forward_flops_matches_a_hand_count():
    # One block, per token: 4 projections 4*2*16*16, attention 2*2*8*16,
    # feed-forward 2*2*16*32; two blocks, 16 tokens.
    per_token = 4 * 2 * 16 * 16 + 2 * 2 * 8 * 16 + 2 * 2 * 16 * 32
    assert encoder_train_step.forward_flops(**TINY) == 2 * 16 * per_token


def test_encoder_variants_have_the_same_parameters_and_run():
    result = encoder_train_step.run(TINY, repeats=2, warmup=0, roof_matrix_size=64)
    assert result["same_param_count"]
    counts = {v["params"] for v in result["variants"].values()}
    assert len(counts) == 1  # torch.nn's model too, on torch
    assert result["ratio_ours_over_keras_hub"] > 0
    # Two copies of each variant, built in mirrored order.
    names = [name.split("/")[0] for name in result["build_order"]]
    assert names == names[::-1] and len(names) == 2 * len(result["variants"])
    low, high = result["ratio_quartiles"]
    assert 0 < low <= high


def test_our_layer_takes_the_fused_kernel_where_the_backend_has_one():
    ours, reference = attention_layer.build_layers()
    x = keras.ops.ones((1, 8, attention_layer.WIDTH))
    expected = "explicit" if keras.config.backend() == "tensorflow" else "fused kernel"
    assert attention_layer.attention_path(ours, x) == expected
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x, x)),
        keras.ops.convert_to_numpy(reference(x, x)),
        atol=1e-5,
    )


def test_compiled_forward_and_gradient_functions_run():
    ours, _ = attention_layer.build_layers()
    x = keras.ops.ones((1, 8, attention_layer.WIDTH))
    forward = attention_layer.forward_function(ours, x)
    assert tuple(common.synchronize(forward()).shape) == (1, 8, attention_layer.WIDTH)
    common.synchronize(attention_layer.gradient_function(ours, x)())


def test_cached_decoding_gives_the_recomputed_tokens():
    pytest.importorskip("applications.translator.task")
    from benchmarks import decoding

    size = dict(sentences=2, source_length=5, target_length=6, vocabulary=40)
    translator = decoding.build_translator(size)
    inputs = decoding.make_inputs(size)
    np.testing.assert_array_equal(
        decoding.cached_decode(translator, inputs),
        decoding.recompute_decode(translator, inputs),
    )


def test_timing_and_memory_helpers():
    assert common.median_seconds(lambda: None, repeats=3, warmup=0) >= 0
    medians = common.interleaved_median_seconds({"a": lambda: 1, "b": lambda: 2}, 2)
    assert set(medians) == {"a", "b"}
    # A 64 MiB array held during the call shows up in the sampled peak.
    assert common.peak_memory_mib(lambda: np.ones(2**24, "float32").sum()) >= 0
    assert common.machine_info()["backend"] == keras.backend.backend()


def test_the_processor_names_its_family_and_vector_instructions():
    if not os.path.exists("/proc/cpuinfo"):
        pytest.skip("no /proc/cpuinfo")
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next(line for line in cpuinfo if line.startswith("flags")).split()
    processor = common.machine_info()["processor"]
    assert re.search(r"\(family \S+ model \S+, (AVX-512|AVX2|AVX|no AVX)\)$", processor)
    assert ("AVX-512" in processor) == ("avx512f" in flags), processor


def test_report_renders_goals_and_errors():
    failed = {"benchmark": "attention_layer", "backend": "torch", "error": "boom"}
    records = [DECODING_RECORD, failed]
    page = report.render(records, "python benchmarks/run_all.py", 60.0)
    assert "| cached decoding >= 5x recompute, same tokens (jax) | 10.0x" in page
    assert "attention_layer on torch: `boom`" in page
    assert "Whole run: 1.0 min." in page


def test_a_preset_error_fills_one_table_cell():
    error = "IndexError: index out of range | in self\n\nArguments received: ..."
    record = {
        "benchmark": "application_throughput",
        "backend": "torch",
        "results": {"presets": {"broken": {"error": error}}},
    }
    page = report.render([record], "run_all")
    row = next(line for line in page.splitlines() if line.startswith("| broken |"))
    assert row.endswith("| IndexError: index out of range \\| in self |"), row


def test_throughput_steps_a_backbone_with_segment_ids():
    backbone = application_throughput.build_backbone("bert_tiny_en")
    assert "segment_ids" in backbone.input  # the case that once broke
    result = application_throughput.measure(
        "bert_tiny_en", application_throughput.QUICK, quick=True
    )
    assert "error" not in result and result["tokens_per_batch"] == 2 * 8


def test_mlm_benchmark_steps_two_bert_of_the_same_configuration():
    """Ours is built as keras-hub's BERT is: the same weights' shapes and
    the tanh GELU, which keras-hub's always takes (the step times compare
    like with like)."""
    size = mlm_pretraining.QUICK
    ours, peer = mlm_pretraining.build_ours(size), mlm_pretraining.build_keras_hub(size)
    assert ours.backbone.activation == "gelu_approximate"
    shapes = [tuple(w.shape) for w in ours.backbone.weights]
    assert sorted(shapes) == sorted(tuple(w.shape) for w in peer.backbone.weights)
    result = mlm_pretraining.run(size, repeats=1, warmup=1)
    assert result["same_param_count"]
    assert result["tokens_per_step"] == size["batch"] * size["length"]
    assert result["ratio_ours_over_keras_hub"] > 0


def test_records_carry_the_date_and_the_conditions_given(tmp_path):
    path = tmp_path / "record.json"
    arguments = common.argument_parser("test").parse_args(
        ["--json", str(path), "--conditions", "quiet machine"]
    )
    record = common.emit("decoding", {}, arguments)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", record["date"])
    assert record["conditions"] == "quiet machine"
    assert json.loads(path.read_text()) == record


def test_report_lists_each_run_by_date_backends_command_and_recorded_conditions():
    records = [
        dict(
            DECODING_RECORD,
            backend=backend,
            date="2026-11-24T13:48Z",
            command=f"KERAS_BACKEND={backend} python benchmarks/decoding.py",
            machine={"accelerator": "none (CPU only)"},
        )
        for backend in ("jax", "torch")
    ]
    records[0]["conditions"] = "quiet machine"
    page = report.render(records, "python benchmarks/run_all.py")
    assert (
        "    - `decoding` on 2026-11-24T13:48Z (jax, torch): `KERAS_BACKEND=<backend> "
        "python benchmarks/decoding.py`. Conditions: jax: quiet machine.\n"
    ) in page
    assert "**CPU only: this machine has no GPU**" in page
    assert "Whole run" not in page  # no wall time given


def test_report_names_each_runs_cpu_when_runs_were_on_different_hosts():
    def record(backend, processor):
        machine = {"processor": processor, "accelerator": "none (CPU only)"}
        return dict(DECODING_RECORD, backend=backend, machine=machine)

    same = report.render([record("jax", "A"), record("torch", "A")], "run_all")
    assert "- Machine: A, " in same and "CPU:" not in same
    page = report.render([record("jax", "A"), record("torch", "B")], "run_all")
    assert "- Machine: the CPU each run names below" in page
    assert "(jax, torch). CPU: jax: A; torch: B.\n" in page


def test_run_all_renders_the_page_from_saved_records_only(tmp_path):
    (tmp_path / "decoding_jax.json").write_text(json.dumps(DECODING_RECORD))
    page = tmp_path / "page.md"
    command = [sys.executable, "benchmarks/run_all.py", "--render-only"]
    command += ["--results", str(tmp_path), "--output", str(page)]
    subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True)
    assert "| cached decoding >= 5x recompute, same tokens (jax) | 10.0x" in (
        page.read_text()
    )


def test_kim_cnn_rand_cleans_text_like_kims_code_and_trains(monkeypatch):
    from benchmarks import kim_cnn_rand_mr as kim

    # Kim's clean_str: clitics and punctuation split off, other symbols dropped.
    assert kim.clean("It's a gorgeous, witty film -- isn't it?!") == [
        "it",
        "'s",
        "a",
        "gorgeous",
        ",",
        "witty",
        "film",
        "is",
        "n't",
        "it",
        "?",
        "!",
    ]
    words = kim.WordIds([["a", "film"], ["a", "good", "film"]])
    ids = words.encode([["a", "bad", "film", "indeed"]])
    assert ids.shape == (1, 3 + 8)  # longest training sentence + 4 pads a side
    assert ids[0, :4].tolist() == [0] * 4 and ids[0, 4:7].tolist() == [
        words.ids["a"],
        kim.UNKNOWN,
        words.ids["film"],
    ]
    model = kim.build_model(vocabulary_size=100, length=11, num_classes=2)
    # Embeddings, 3 filter widths x 100 maps over 300-d words, softmax layer.
    expected = 100 * 300 + (3 + 4 + 5) * 300 * 100 + 300 + 300 * 2 + 2
    assert model.count_params() == expected
    monkeypatch.setattr(kim, "EPOCHS", 2)
    texts = [f"a {'good' if i % 2 else 'bad'} film number {i}" for i in range(20)]
    labels = [i % 2 for i in range(20)]
    result = kim.train_and_score(texts, labels, texts[:4], labels[:4], 0, verbose=0)
    assert 0.0 <= result["accuracy"] <= 1.0 and result["best_dev_epoch"] in (1, 2)


def test_generation_benchmark_gives_identical_greedy_tokens():
    from benchmarks import generation

    result = generation.run(generation.QUICK, repeats=1)
    for batch in result["batches"].values():
        assert batch["identical_greedy_tokens"]
        assert batch["ours_over_keras_hub"] > 0
    page = report.render(
        [{"benchmark": "generation", "backend": keras.config.backend(),
          "results": result}], "x")  # fmt: skip
    assert "generation ours / keras-hub GPT2CausalLM" in page


def test_nanogpt_benchmark_runs_the_readme_command():
    from benchmarks import nanogpt_shakespeare

    command = nanogpt_shakespeare.nanogpt_command(nanogpt_shakespeare.CONFIG, "out")
    for flag in ("--device=cpu", "--compile=False", "--eval_iters=20",
                 "--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4",
                 "--n_embd=128", "--max_iters=2000", "--lr_decay_iters=2000",
                 "--dropout=0.0", "--eval_interval=250"):  # fmt: skip
        assert flag in command


def test_tokenization_benchmark_runs_on_built_in_sentences():
    from benchmarks import tokenization

    result = tokenization.run(tokenization.QUICK)
    for corpus in result["corpora"].values():
        measured = corpus["tokenizers"]
        for lossless in ("sentencepiece_bpe", "hf_byte_level_bpe"):
            assert measured[lossless]["exact_round_trip"] == 1.0
            assert measured[lossless]["unknown_rate"] == 0.0
            assert measured[lossless]["lines_per_s_over_wordpiece"] > 0
        # "You' re", "C' est", "[UNK]" for characters never seen in training.
        assert measured["wordpiece"]["exact_round_trip"] < 1.0
    chinese = result["corpora"]["built-in Chinese"]
    assert chinese["held_out_characters_unseen_in_training"] > 0
    page = report.render(
        [{"benchmark": "tokenization", "backend": keras.config.backend(),
          "results": result}], "x")  # fmt: skip
    assert "## Tokenizers: speed and losslessness" in page
    assert "no unknown token, on every corpus" in page
