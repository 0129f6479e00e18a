"""Text generation: our `GPT.generate` vs keras-hub's `GPT2CausalLM.generate`,
and vs recomputing the whole prefix for every token (nanoGPT's `generate`).

The same decoder-only configuration for both libraries (the size of the
`gpt_tiny_shakespeare` preset: 4 layers, width 192, 4 heads, feed-forward
768, learned positions, tied embeddings; random weights, so the output is
as long as asked), greedy decoding of 128 new tokens after an 8-token
prompt, batch 1 and batch 16:

- ours: `GPT.generate()`, the prompt written into one cache tensor in one
  pass, then one cached step per token inside keras-hub's greedy sampler,
  compiled with XLA on TensorFlow and JAX;
- keras-hub: `GPT2CausalLM.generate()` on a `GPT2Backbone` of the same
  size (its own cache and loop; an eager loop on torch, keras-hub#2593);
- recompute: nanoGPT's `generate` method, the full model on the whole
  prefix for every new token (its forward compiled by `predict_on_batch`,
  the prefix right-padded to one shape), which must give the same tokens as
  ours.

Run: KERAS_BACKEND=jax python benchmarks/generation.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402

FULL = dict(prompt_length=8, new_tokens=128, batches=(1, 16), vocabulary=325)
QUICK = dict(prompt_length=4, new_tokens=6, batches=(1, 2), vocabulary=50)
MODEL = dict(num_layers=4, num_heads=4, hidden_dim=192, intermediate_dim=768)


def build_models(size):
    """Ours and keras-hub's, random weights, greedy samplers, no preprocessor."""
    from applications.gpt.backbone import GPTBackbone
    from applications.gpt.task import GPT

    length = size["prompt_length"] + size["new_tokens"]
    config = dict(vocabulary_size=size["vocabulary"], max_sequence_length=length)
    keras.utils.set_random_seed(0)
    ours = GPT(GPTBackbone(**config, **MODEL, dropout=0.0), preprocessor=None)
    ours.compile(sampler="greedy")
    peer = keras_hub.models.GPT2CausalLM(
        keras_hub.models.GPT2Backbone(**config, **MODEL, dropout=0.0),
        preprocessor=None,
    )
    peer.compile(sampler="greedy")
    return ours, peer


def make_inputs(size, batch):
    """Random prompts right-padded to the output length, and their mask."""
    length = size["prompt_length"] + size["new_tokens"]
    ids = np.zeros((batch, length), "int32")
    ids[:, : size["prompt_length"]] = np.random.default_rng(batch).integers(
        3, size["vocabulary"], (batch, size["prompt_length"])
    )
    mask = np.zeros((batch, length), bool)
    mask[:, : size["prompt_length"]] = True
    return {"token_ids": ids, "padding_mask": mask}


def cached_generate(model, inputs):
    output = model.generate(dict(inputs), stop_token_ids=None)
    return np.asarray(output["token_ids"])


def recompute_generate(model, inputs, prompt_length):
    """nanoGPT's `generate`: the whole prefix through the model per token.

    The prefix is right-padded to the output length, one shape for every
    step (one compilation on TensorFlow and JAX, as the decoding benchmark
    does); causal attention keeps the padding out of the new token's logits.
    """
    ids = np.array(inputs["token_ids"])
    mask = np.array(inputs["padding_mask"])
    for position in range(prompt_length, ids.shape[1]):
        logits = model.predict_on_batch({"token_ids": ids, "padding_mask": mask})
        ids[:, position] = np.argmax(np.asarray(logits)[:, position - 1], axis=-1)
        mask[:, position] = True
    return ids


def run_batch(ours, peer, size, batch, repeats):
    """Tokens per second of the three decodings for one batch size."""
    inputs = make_inputs(size, batch)
    generated = batch * size["new_tokens"]
    ours_tokens = cached_generate(ours, inputs)  # compiles
    cached_generate(peer, inputs)
    recomputed = recompute_generate(ours, inputs, size["prompt_length"])
    timings = common.interleaved_median_seconds(
        {
            "ours": lambda: cached_generate(ours, inputs),
            "keras_hub": lambda: cached_generate(peer, inputs),
        },
        repeats=repeats,
        warmup=0,
    )
    recompute_seconds = common.median_seconds(
        lambda: recompute_generate(ours, inputs, size["prompt_length"]),
        repeats=max(1, repeats // 2),
        warmup=0,
    )
    return {
        "generated_tokens": generated,
        "ours_tokens_per_s": generated / timings["ours"],
        "keras_hub_tokens_per_s": generated / timings["keras_hub"],
        "recompute_tokens_per_s": generated / recompute_seconds,
        "ours_over_keras_hub": timings["keras_hub"] / timings["ours"],
        "ours_over_recompute": recompute_seconds / timings["ours"],
        "identical_greedy_tokens": bool(np.array_equal(ours_tokens, recomputed)),
    }


def run(size, repeats):
    ours, peer = build_models(size)
    return {
        "size": {k: v for k, v in size.items() if k != "batches"},
        "model": MODEL,
        "batches": {
            str(batch): run_batch(ours, peer, size, batch, repeats)
            for batch in size["batches"]
        },
    }


def main():
    arguments = common.argument_parser(__doc__.splitlines()[0]).parse_args()
    size = QUICK if arguments.quick else FULL
    common.emit("generation", run(size, 1 if arguments.quick else 5), arguments)


if __name__ == "__main__":
    main()
