"""Cached, compiled decoding vs recomputing the decoder for every token.

A Transformer `Translator` (the size of the `translator_tiny_en_zh` preset:
2+2 layers, d_model 128, 4 heads, d_ff 512; random weights, so the output
is as long as asked) translates 64 sentences of 20 source tokens to 40
target tokens:

- cached: `Translator.generate()`, the encoder once and one cached
  decoder step per token inside the keras-hub greedy sampler, compiled;
- recompute: the keras.io English-Spanish example's method, the full model
  called on the whole (B, 40) prefix for every new token and the argmax
  taken at the new position (its forward is compiled too, by
  `predict_on_batch`, which makes this baseline stronger than the example's
  eager call).

Both must produce identical tokens. Beam search (4 beams) is timed against
greedy.

Run: KERAS_BACKEND=jax python benchmarks/decoding.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402

FULL = dict(sentences=64, source_length=20, target_length=40, vocabulary=8000)
QUICK = dict(sentences=4, source_length=8, target_length=10, vocabulary=500)
MODEL = dict(num_layers=2, num_heads=4, hidden_dim=128, intermediate_dim=512)
START_ID = 2
NUM_BEAMS = 4


def build_translator(size):
    from applications.translator.backbone import TranslatorBackbone
    from applications.translator.task import Translator

    keras.utils.set_random_seed(0)
    backbone = TranslatorBackbone(
        vocabulary_size=size["vocabulary"],
        source_vocabulary_size=size["vocabulary"],
        max_sequence_length=max(size["source_length"], size["target_length"]),
        dropout=0.0,
        **MODEL,
    )
    return Translator(backbone=backbone, preprocessor=None)


def make_inputs(size):
    rng = np.random.default_rng(0)
    batch, source, target = (
        size["sentences"],
        size["source_length"],
        size["target_length"],
    )
    decoder_ids = np.zeros((batch, target), "int32")
    decoder_ids[:, 0] = START_ID
    decoder_mask = np.zeros((batch, target), "int32")
    decoder_mask[:, 0] = 1
    return {
        "encoder_token_ids": rng.integers(
            4, size["vocabulary"], (batch, source)
        ).astype("int32"),
        "encoder_padding_mask": np.ones((batch, source), "int32"),
        "decoder_token_ids": decoder_ids,
        "decoder_padding_mask": decoder_mask,
    }


def cached_decode(translator, inputs):
    output = translator.generate(dict(inputs), stop_token_ids=None)
    return np.asarray(output["decoder_token_ids"])


def recompute_decode(translator, inputs):
    """The keras.io example's loop: the whole model on the prefix per token."""
    ids = np.array(inputs["decoder_token_ids"])
    mask = np.array(inputs["decoder_padding_mask"])
    for position in range(1, ids.shape[1]):
        logits = translator.predict_on_batch(
            {
                "encoder_token_ids": inputs["encoder_token_ids"],
                "encoder_padding_mask": inputs["encoder_padding_mask"],
                "decoder_token_ids": ids,
                "decoder_padding_mask": mask,
            }
        )
        ids[:, position] = np.argmax(np.asarray(logits)[:, position - 1], axis=-1)
        mask[:, position] = 1
    return ids


def timed(function, repeats):
    timings, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return float(np.median(timings)), result


def run(size, repeats):
    translator = build_translator(size)
    inputs = make_inputs(size)
    generated = size["sentences"] * (size["target_length"] - 1)

    start = time.perf_counter()
    cached_tokens = cached_decode(translator, inputs)  # traces and compiles
    first_call = time.perf_counter() - start
    recompute_decode(translator, inputs)  # compiles the full forward
    rounds = {"cached": [], "recompute": []}
    for _ in range(repeats):  # interleaved
        seconds, cached_tokens = timed(lambda: cached_decode(translator, inputs), 1)
        rounds["cached"].append(seconds)
        seconds, recomputed_tokens = timed(
            lambda: recompute_decode(translator, inputs), 1
        )
        rounds["recompute"].append(seconds)
    medians = {name: float(np.median(values)) for name, values in rounds.items()}

    greedy_seconds = medians["cached"]
    translator.compile(sampler=keras_hub.samplers.BeamSampler(num_beams=NUM_BEAMS))
    cached_decode(translator, inputs)  # compiles
    beam_seconds, _ = timed(lambda: cached_decode(translator, inputs), repeats)
    return {
        "size": size,
        "model": MODEL,
        "generated_tokens": generated,
        "cached_first_call_s": first_call,
        "cached_s": medians["cached"],
        "recompute_s": medians["recompute"],
        "cached_tokens_per_s": generated / medians["cached"],
        "recompute_tokens_per_s": generated / medians["recompute"],
        "speedup": medians["recompute"] / medians["cached"],
        "identical_tokens": bool(np.array_equal(cached_tokens, recomputed_tokens)),
        "beam_search_s": beam_seconds,
        "num_beams": NUM_BEAMS,
        "beam_over_greedy": beam_seconds / greedy_seconds,
    }


def main():
    arguments = common.argument_parser(__doc__.splitlines()[0]).parse_args()
    size = QUICK if arguments.quick else FULL
    repeats = 1 if arguments.quick else 3
    common.emit("decoding", run(size, repeats), arguments)


if __name__ == "__main__":
    main()
