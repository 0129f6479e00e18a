"""Masked-LM pretraining step: our BertMaskedLM vs keras-hub's BertMaskedLM.

The same small BERT (2 layers, 2 heads, hidden 128, intermediate 512,
sequence length 128, BERT's vocabulary of 30,522 tokens, 2 segment types,
pooler, dropout 0.1, the tanh form of GELU in the feed-forwards, which
keras-hub's BERT always takes) is built as `applications.BertMaskedLM` over
our `BertBackbone` and as `keras_hub.models.BertMaskedLM` over
`keras_hub.models.BertBackbone`, random weights, no preprocessor. Both are
compiled alike (Adam 1e-4, sparse cross-entropy from logits, weighted
masked-token accuracy) and stepped with `train_on_batch` on the same
already-masked batch: token ids, segment ids, padding mask, 19 mask
positions per sequence (15% of 128), their labels and sample weights. The
variants (two copies of each, built in mirrored order) are timed in turns in
one process, and that is repeated in three fresh processes; the ratio
ours / keras-hub in time is the median of the processes' ratios.

Run: KERAS_BACKEND=jax python benchmarks/mlm_pretraining.py [--processes 3]
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402

from applications import BertBackbone, BertMaskedLM  # noqa: E402
from benchmarks import common  # noqa: E402

FULL = dict(batch=32, length=128, layers=2, heads=2, hidden=128, intermediate=512,
            vocab=30522)  # fmt: skip
QUICK = dict(batch=2, length=16, layers=1, heads=2, hidden=16, intermediate=32,
             vocab=300)  # fmt: skip
MASK_RATE = 0.15
DROPOUT = 0.1
NUM_SEGMENTS = 2


def masked_positions(size):
    """P, the masked positions per sequence: 15% of the tokens."""
    return max(1, round(MASK_RATE * size["length"]))


def forward_flops(batch, length, layers, heads, hidden, intermediate, vocab):
    """Multiply-adds x 2 of one forward pass: the encoder's matmuls for every
    token, the head's dense layer and tied vocabulary projection for the
    masked positions only (embeddings, layer norms and the unused pooler
    are negligible)."""
    per_token_per_block = (
        4 * 2 * hidden * hidden  # query, key, value, output projections
        + 2 * 2 * length * hidden  # Q K^T and weights @ V
        + 2 * 2 * hidden * intermediate  # feed-forward
    )
    encoder = batch * length * layers * per_token_per_block
    masked = batch * masked_positions(dict(length=length))
    head = masked * (2 * hidden * hidden + 2 * hidden * vocab)
    return encoder + head


def backbone_arguments(size):
    return dict(
        vocabulary_size=size["vocab"],
        num_layers=size["layers"],
        num_heads=size["heads"],
        hidden_dim=size["hidden"],
        intermediate_dim=size["intermediate"],
        max_sequence_length=size["length"],
        num_segments=NUM_SEGMENTS,
        dropout=DROPOUT,
    )


def build_ours(size):
    # keras-hub's BertBackbone always has the pooler and the tanh GELU
    # (its exact form costs ~8% more in the backward pass with JAX on a CPU).
    backbone = BertBackbone(
        **backbone_arguments(size), use_pooler=True, activation="gelu_approximate"
    )
    return BertMaskedLM(backbone, preprocessor=None, name="ours")


def build_keras_hub(size):
    backbone = keras_hub.models.BertBackbone(**backbone_arguments(size))
    return keras_hub.models.BertMaskedLM(backbone, preprocessor=None, name="hub")


def masked_batch(size, seed=0):
    """One batch as a masked-LM preprocessor gives it: packed full-length
    sentence pairs, 15% of the positions (never `[CLS]` or the last
    `[SEP]`) masked, 80% of them to `[MASK]`, 10% to a random token.

    Returns:
        `(x, labels, sample_weight)`: the model's inputs (dict of (B, T)
        `token_ids`, `segment_ids`, `padding_mask` and (B, P)
        `mask_positions`), (B, P) original token ids and (B, P) weights.
    """
    rng = np.random.default_rng(seed)
    batch, length, vocab = size["batch"], size["length"], size["vocab"]
    count = masked_positions(size)
    mask_id = 4  # any id: the models do not treat it specially
    token_ids = rng.integers(5, vocab, (batch, length)).astype("int32")
    token_ids[:, 0], token_ids[:, -1] = 2, 3  # [CLS] ... [SEP]
    segment_ids = np.zeros((batch, length), "int32")
    segment_ids[:, length // 2 :] = 1  # sentence B
    positions = np.stack(
        [
            np.sort(rng.choice(np.arange(1, length - 1), count, False))
            for _ in range(batch)
        ]
    ).astype("int32")
    labels = np.take_along_axis(token_ids, positions, axis=1)
    draw = rng.random((batch, count))
    replaced = np.where(
        draw < 0.8,
        mask_id,
        np.where(draw < 0.9, rng.integers(5, vocab, draw.shape), labels),
    )
    np.put_along_axis(token_ids, positions, replaced.astype("int32"), axis=1)
    x = {
        "token_ids": token_ids,
        "segment_ids": segment_ids,
        "padding_mask": np.ones((batch, length), "int32"),
        "mask_positions": positions,
    }
    return x, labels, np.ones((batch, count), "float32")


def train_step(model, x, labels, sample_weight):
    """The model compiled alike for both (not each task's own defaults:
    ours is BERT's AdamW, keras-hub's Adam 5e-5), stepped by
    `train_on_batch`."""
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return lambda: model.train_on_batch(x, labels, sample_weight=sample_weight)


def build_variants(size, x, labels, sample_weight):
    """Each variant's step function, twice, built in mirrored order
    (`common.mirrored_builds`).

    Returns:
        `(steps, params)`: dict "name/copy" -> step, dict name -> #params.
    """

    def variant(build):
        model = build(size)
        return train_step(model, x, labels, sample_weight), model.count_params()

    built = common.mirrored_builds(
        {
            "ours": lambda: variant(build_ours),
            "keras_hub": lambda: variant(build_keras_hub),
        }
    )
    steps = {key: step for key, (step, _) in built.items()}
    params = {key.split("/")[0]: count for key, (_, count) in built.items()}
    return steps, params


def run(size, repeats, warmup=2):
    keras.utils.set_random_seed(0)
    x, labels, sample_weight = masked_batch(size)
    steps, params = build_variants(size, x, labels, sample_weight)
    timings = common.interleaved_timings(steps, repeats=repeats, warmup=warmup)
    tokens = size["batch"] * size["length"]
    train_flops = 3 * forward_flops(**size)
    variants = {}
    for name in params:
        median = statistics.median(common.mean_of_copies(timings, name))
        variants[name] = {
            "ms_per_step": 1e3 * median,
            "ms_per_step_by_copy": [
                1e3 * statistics.median(timings[f"{name}/{copy}"]) for copy in (1, 2)
            ],
            "tokens_per_s": tokens / median,
            "gflops": train_flops / median / 1e9,
            "params": params[name],
        }
    return {
        "size": dict(size, masked_positions=masked_positions(size), dropout=DROPOUT),
        "tokens_per_step": tokens,
        "train_gflop_per_step": train_flops / 1e9,
        "rounds": repeats,
        "build_order": list(steps),
        "variants": variants,
        **common.ratio_of_rounds(timings),
        "same_param_count": params["ours"] == params["keras_hub"],
    }


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--processes", type=int, default=3, help="fresh processes to run and combine"
    )
    arguments = parser.parse_args()
    size = QUICK if arguments.quick else FULL
    repeats = 2 if arguments.quick else 11
    if arguments.processes > 1:
        results = common.median_of_processes(
            __file__, arguments.processes, arguments.quick
        )
    else:
        results = run(size, repeats)
        params = {name: v["params"] for name, v in results["variants"].items()}
        print(f"parameters: {params}", file=sys.stderr)
    common.emit("mlm_pretraining", results, arguments)


if __name__ == "__main__":
    main()
