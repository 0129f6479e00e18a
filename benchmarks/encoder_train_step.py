"""Training step of a 2-block encoder classifier: ours vs keras-hub (vs torch).

The same model (token + learned position embedding, two post-LN encoder
blocks, mean pooling, a 2-way softmax classifier) is built from
`keras_attention.layers`, from `keras_hub.layers.TransformerEncoder` +
`TokenAndPositionEmbedding`, and on the torch backend from native
`torch.nn.TransformerEncoderLayer`. Each is trained with Adam on the same
batch; the variants (two copies of each, built in mirrored order) are
timed in turns in one process, and that is repeated in three fresh processes.

Run: KERAS_BACKEND=jax python benchmarks/encoder_train_step.py [--processes 3]
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402
from keras_attention import layers  # noqa: E402

FULL = dict(batch=32, length=128, d_model=256, heads=8, d_ff=1024, vocab=8000)
QUICK = dict(batch=4, length=32, d_model=64, heads=4, d_ff=128, vocab=500)
NUM_BLOCKS = 2
NUM_CLASSES = 2


def forward_flops(batch, length, d_model, heads, d_ff, vocab):
    """Multiply-adds x 2 of one forward pass (matmuls only; the classifier
    and embeddings are negligible)."""
    per_token_per_block = (
        4 * 2 * d_model * d_model  # query, key, value, output projections
        + 2 * 2 * length * d_model  # Q K^T and weights @ V
        + 2 * 2 * d_model * d_ff  # feed-forward
    )
    return batch * length * NUM_BLOCKS * per_token_per_block


def build_ours(size):
    tokens = keras.Input((size["length"],), dtype="int32")
    x = layers.TokenAndPositionEmbedding(
        size["vocab"], size["length"], size["d_model"]
    )(tokens)
    for _ in range(NUM_BLOCKS):
        x = layers.TransformerEncoderBlock(size["heads"], size["d_ff"])(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(tokens, outputs, name="ours")


def build_keras_hub(size):
    tokens = keras.Input((size["length"],), dtype="int32")
    x = keras_hub.layers.TokenAndPositionEmbedding(
        size["vocab"], size["length"], size["d_model"]
    )(tokens)
    for _ in range(NUM_BLOCKS):
        x = keras_hub.layers.TransformerEncoder(
            size["d_ff"], size["heads"], layer_norm_epsilon=1e-5
        )(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(tokens, outputs, name="keras_hub")


def keras_step(model, tokens, labels):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy"
    )
    return lambda: model.train_on_batch(tokens, labels)


def torch_native_step(size, tokens, labels):
    """The same model in plain torch, stepped eagerly with torch.optim.Adam."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = torch.nn.Embedding(size["vocab"], size["d_model"])
            self.positions = torch.nn.Parameter(
                torch.zeros(size["length"], size["d_model"])
            )
            self.blocks = torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(
                    size["d_model"],
                    size["heads"],
                    size["d_ff"],
                    dropout=0.0,
                    batch_first=True,
                    layer_norm_eps=1e-5,
                )
                for _ in range(NUM_BLOCKS)
            )
            self.classifier = torch.nn.Linear(size["d_model"], NUM_CLASSES)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions
            for block in self.blocks:
                x = block(x)
            return self.classifier(x.mean(dim=1))

    model = Encoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    ids = torch.as_tensor(tokens, dtype=torch.long)
    target = torch.as_tensor(labels, dtype=torch.long)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(ids), target)
        loss.backward()
        optimizer.step()
        return loss.detach()

    parameters = sum(p.numel() for p in model.parameters())
    return step, parameters


def build_variants(size, tokens, labels):
    """Each variant's step function, twice, built in mirrored order
    (`common.mirrored_builds`: on torch the model built first ran slower).

    Returns:
        `(steps, params)`: dict "name/copy" -> step, dict name -> #params.
    """

    def keras_variant(build):
        model = build(size)
        return keras_step(model, tokens, labels), model.count_params()

    builders = {
        "ours": lambda: keras_variant(build_ours),
        "keras_hub": lambda: keras_variant(build_keras_hub),
    }
    if common.backend() == "torch":
        builders["torch_native"] = lambda: torch_native_step(size, tokens, labels)
    built = common.mirrored_builds(builders)
    steps = {key: step for key, (step, _) in built.items()}
    params = {key.split("/")[0]: count for key, (_, count) in built.items()}
    return steps, params


def run(size, repeats, warmup=2, roof_matrix_size=1024):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, size["vocab"], (size["batch"], size["length"]))
    tokens = tokens.astype("int32")
    labels = rng.integers(0, NUM_CLASSES, (size["batch"],)).astype("int32")
    keras.utils.set_random_seed(0)
    steps, params = build_variants(size, tokens, labels)
    roof_before = common.matmul_gflops(roof_matrix_size)
    timings = common.interleaved_timings(steps, repeats=repeats, warmup=warmup)
    # The machine may be shared: the better of two roof measurements.
    roof = max(roof_before, common.matmul_gflops(roof_matrix_size))
    train_flops = 3 * forward_flops(**size)

    def both_copies(name):  # per round: the mean of the two copies' times
        return common.mean_of_copies(timings, name)

    variants = {}
    for name in params:
        median = statistics.median(both_copies(name))
        gflops = train_flops / median / 1e9
        variants[name] = {
            "ms_per_step": 1e3 * median,
            "ms_per_step_by_copy": [
                1e3 * statistics.median(timings[f"{name}/{copy}"]) for copy in (1, 2)
            ],
            "gflops": gflops,
            "fraction_of_matmul_roof": gflops / roof,
            "params": params[name],
        }
    return {
        "size": size,
        "train_gflop_per_step": train_flops / 1e9,
        "matmul_gflops": roof,
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
    repeats = 2 if arguments.quick else 21  # ratios of ~1.00 need many rounds
    if arguments.processes > 1:
        results = common.median_of_processes(
            __file__, arguments.processes, arguments.quick
        )
    else:
        results = run(size, repeats)
    common.emit("encoder_train_step", results, arguments)


if __name__ == "__main__":
    main()
