"""Our MultiHeadAttention vs keras.layers.MultiHeadAttention, by length.

Self-attention of one (1, T, 128) sequence with 4 heads of 32 features, for
T in 128, 512, 2048 and 8192: forward (compiled: `jax.jit`, `tf.function`
with XLA; eager under `torch.no_grad`) and forward+backward time, and the
peak memory of the forward pass (each variant in a fresh subprocess). Our
layer is run twice: on its fused path (the default, through
`keras.ops.dot_product_attention`) and on its explicit
path (forced by requesting the scores), so the table shows what the
backend's fused kernel buys; a spy records which path the default takes
(fused kernel, query blocks for long sequences, or explicit on TensorFlow).

Run: KERAS_BACKEND=torch python benchmarks/attention_layer.py
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from benchmarks import common  # noqa: E402
from keras_attention import layers  # noqa: E402
from keras_attention.ops import attention as attention_ops  # noqa: E402

BATCH, HEADS, KEY_DIM = 1, 4, 32
WIDTH = HEADS * KEY_DIM
LENGTHS = (128, 512, 2048, 8192)
# Forward+backward at 8192 takes minutes and several GiB per variant on a
# 2-core CPU; it is measured up to this length.
LONGEST_BACKWARD = 2048
# Peak memory is measured at these lengths, each variant in its own process.
MEMORY_LENGTHS = (2048, 8192)


def attention_path(layer, x):
    """Which path one eager call of our `layer` takes, seen by spies:
    `"fused kernel"` (`keras.ops.dot_product_attention`), `"query blocks"`
    (long sequences where that kernel would hold all scores) or
    `"explicit"` (TensorFlow, which has no fused kernel, or requested scores).
    """
    targets = {
        "kernel": (keras.ops, "dot_product_attention"),
        "blocks": (attention_ops, "attention_by_query_blocks"),
    }
    originals = {name: getattr(*target) for name, target in targets.items()}
    calls = dict.fromkeys(targets, 0)

    def spy(name):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return originals[name](*args, **kwargs)

        return wrapper

    for name, (owner, attribute) in targets.items():
        setattr(owner, attribute, spy(name))
    try:
        layer(x, x)
    finally:
        for name, (owner, attribute) in targets.items():
            setattr(owner, attribute, originals[name])
    if calls["blocks"]:
        return "query blocks"
    return "fused kernel" if calls["kernel"] else "explicit"


def forward_function(layer, x, **call_kwargs):
    """A compiled forward pass `() -> output` on the active backend."""
    backend = common.backend()
    if backend == "jax":
        import jax

        @jax.jit
        def forward(trainable, non_trainable, x):
            out, _ = layer.stateless_call(trainable, non_trainable, x, x, **call_kwargs)
            return out[0] if isinstance(out, tuple) else out

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]
        return lambda: forward(trainable, non_trainable, x)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def forward(x):
            out = layer(x, x, **call_kwargs)
            return out[0] if isinstance(out, tuple) else out

        return lambda: forward(x)

    def forward_torch():
        with common.inference_context():
            out = layer(x, x, **call_kwargs)
        return out[0] if isinstance(out, tuple) else out

    return forward_torch


def gradient_function(layer, x, **call_kwargs):
    """A compiled forward+backward `() -> gradients` of sum(output)."""
    backend = common.backend()
    if backend == "jax":
        import jax

        def loss(trainable, non_trainable, x):
            out, _ = layer.stateless_call(trainable, non_trainable, x, x, **call_kwargs)
            out = out[0] if isinstance(out, tuple) else out
            return ops.sum(out)

        gradient = jax.jit(jax.grad(loss, argnums=(0, 2)))
        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]
        return lambda: gradient(trainable, non_trainable, x)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def gradient(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = layer(x, x, **call_kwargs)
                out = out[0] if isinstance(out, tuple) else out
                loss = tf.reduce_sum(out)
            return tape.gradient(loss, layer.trainable_variables + [x])

        return lambda: gradient(x)

    import torch

    x_leaf = x.detach().clone().requires_grad_(True)

    def gradient_torch():
        out = layer(x_leaf, x_leaf, **call_kwargs)
        out = out[0] if isinstance(out, tuple) else out
        out.sum().backward()
        return torch.zeros(())

    return gradient_torch


def build_layers():
    keras.utils.set_random_seed(0)
    ours = layers.MultiHeadAttention(num_heads=HEADS, key_dim=KEY_DIM)
    reference = keras.layers.MultiHeadAttention(num_heads=HEADS, key_dim=KEY_DIM)
    shape = (BATCH, None, WIDTH)
    ours.build(shape, shape)
    reference.build(shape, shape)
    reference.set_weights(ours.get_weights())
    return ours, reference


def variants_of(ours, reference):
    """name -> (layer, call arguments) of the three compared variants."""
    return {
        "ours_fused": (ours, {}),
        "ours_explicit": (ours, {"return_attention_scores": True}),
        "keras": (reference, {}),
    }


VARIANTS = ("ours_fused", "ours_explicit", "keras")


def random_input(length):
    rng = np.random.default_rng(length)
    return ops.convert_to_tensor(rng.standard_normal((BATCH, length, WIDTH)), "float32")


def memory_probe(variant, length):
    """Peak MiB of one compiled forward pass, in a fresh subprocess.

    A fresh process, because allocators keep and reuse freed memory: only a
    process's first call shows the memory a variant really needs.
    """
    command = [sys.executable, __file__, "--probe", variant, str(length)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode or not lines:
        return None
    return float(lines[-1])


def probe(variant, length):
    """Prints the peak memory of `variant`'s first forward pass at `length`."""
    layer, call_kwargs = variants_of(*build_layers())[variant]
    forward = forward_function(layer, random_input(length), **call_kwargs)
    print(common.peak_memory_mib(forward))


def run(lengths, repeats, memory_lengths):
    ours, reference = build_layers()
    variants = variants_of(ours, reference)
    rows = []
    for length in lengths:
        x = random_input(length)
        row = {"length": length, "path": attention_path(ours, x)}
        forwards = {
            n: forward_function(lay, x, **kw) for n, (lay, kw) in variants.items()
        }
        if length in memory_lengths:
            row["forward_memory_mib"] = {
                name: memory_probe(name, length) for name in VARIANTS
            }
        forward_repeats = repeats if length < 8192 else max(2, repeats // 2)
        row["forward_ms"] = {
            name: 1e3 * seconds
            for name, seconds in common.interleaved_median_seconds(
                forwards, repeats=forward_repeats, warmup=1
            ).items()
        }
        if length <= LONGEST_BACKWARD:
            gradients = {
                n: gradient_function(lay, x, **kw) for n, (lay, kw) in variants.items()
            }
            row["forward_backward_ms"] = {
                name: 1e3 * seconds
                for name, seconds in common.interleaved_median_seconds(
                    gradients, repeats=repeats, warmup=1
                ).items()
            }
        score_mib = BATCH * HEADS * length * length * 4 / 2**20
        row["score_matrix_mib"] = score_mib
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    return {
        "batch": BATCH,
        "heads": HEADS,
        "key_dim": KEY_DIM,
        "longest_backward": LONGEST_BACKWARD,
        "rows": rows,
    }


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--probe", nargs=2, metavar=("VARIANT", "LENGTH"))
    arguments = parser.parse_args()
    if arguments.probe:
        return probe(arguments.probe[0], int(arguments.probe[1]))
    lengths = (64, 256) if arguments.quick else LENGTHS
    memory_lengths = (256,) if arguments.quick else MEMORY_LENGTHS
    repeats = 2 if arguments.quick else 5
    results = run(lengths, repeats, memory_lengths)
    common.emit("attention_layer", results, arguments)


if __name__ == "__main__":
    main()
