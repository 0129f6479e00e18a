"""Training throughput of each built-in application preset's architecture.

Every preset directory in `applications/presets/` holds its backbone's
`config.json`; the backbone is rebuilt from it (random weights: speed does
not depend on them), compiled with Adam and a mean-squared-error loss on its
own output, and stepped with `train_on_batch` on a synthetic batch (token
ids, all-ones padding masks and all-zeros segment ids for text inputs,
normal noise for float inputs such as images). Throughput is reported in
tokens/s (text: batch x length of every token-id input) or examples/s.

Run: KERAS_BACKEND=tensorflow python benchmarks/application_throughput.py
"""

import importlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402

PRESETS_DIRECTORY = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "applications",
    "presets",
)
FULL = dict(batch=8, length=64, repeats=3)
QUICK = dict(batch=2, length=8, repeats=1)
# Above this many parameters a preset is skipped in --quick runs.
QUICK_MAX_PARAMS = 5_000_000


def preset_names():
    """The preset directories that hold a backbone config, sorted."""
    if not os.path.isdir(PRESETS_DIRECTORY):
        return []
    return sorted(
        name
        for name in os.listdir(PRESETS_DIRECTORY)
        if os.path.isfile(os.path.join(PRESETS_DIRECTORY, name, "config.json"))
    )


def build_backbone(name):
    """The preset's backbone from its config.json, with fresh weights."""
    with open(os.path.join(PRESETS_DIRECTORY, name, "config.json")) as stream:
        config = json.load(stream)
    importlib.import_module(config["module"])  # registers the class
    return keras.saving.deserialize_keras_object(config)


def synthetic_batch(backbone, batch, length):
    """Inputs shaped like the backbone's, and how many tokens they hold."""
    config = backbone.get_config()
    vocabularies = [
        config[key]
        for key in ("vocabulary_size", "source_vocabulary_size")
        if config.get(key)
    ]
    vocabulary = min(vocabularies) if vocabularies else 2
    maximum = config.get("max_sequence_length") or length
    length = min(length, maximum)
    rng = np.random.default_rng(0)
    inputs, tokens = {}, 0
    for tensor in backbone.inputs:
        shape = [batch] + [length if d is None else d for d in tensor.shape[1:]]
        name = tensor.name.split(":")[0]
        if "int" in str(tensor.dtype):
            if "mask" in name:
                inputs[name] = np.ones(shape, "int32")
            elif "segment" in name:  # sentence A: in range for any segment count
                inputs[name] = np.zeros(shape, "int32")
            else:
                inputs[name] = rng.integers(1, vocabulary, shape).astype("int32")
                tokens += int(np.prod(shape))
        else:
            inputs[name] = rng.standard_normal(shape).astype("float32")
    if not isinstance(backbone.input, dict):
        inputs = list(inputs.values())
        inputs = inputs[0] if len(inputs) == 1 else inputs
    return inputs, tokens


def measure(name, size, quick):
    keras.utils.set_random_seed(0)
    backbone = build_backbone(name)
    params = backbone.count_params()
    if quick and params > QUICK_MAX_PARAMS:
        return {"params": params, "skipped": "too large for --quick"}
    inputs, tokens = synthetic_batch(backbone, size["batch"], size["length"])
    targets = keras.tree.map_structure(
        lambda y: np.zeros(y.shape, "float32"), backbone.predict_on_batch(inputs)
    )
    backbone.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
    start = time.perf_counter()
    backbone.train_on_batch(inputs, targets)
    first_step = time.perf_counter() - start
    seconds = common.median_seconds(
        lambda: backbone.train_on_batch(inputs, targets),
        repeats=size["repeats"],
        warmup=1,
    )
    result = {
        "params": params,
        "batch": size["batch"],
        "tokens_per_batch": tokens,
        "first_step_s": first_step,
        "ms_per_step": 1e3 * seconds,
        "examples_per_s": size["batch"] / seconds,
    }
    if tokens:
        result["tokens_per_s"] = tokens / seconds
    return result


def run(size, quick):
    results = {}
    for name in preset_names():
        try:
            results[name] = measure(name, size, quick)
        except Exception as error:  # one preset failing must not hide the rest
            results[name] = {"error": f"{type(error).__name__}: {error}"[:300]}
        print(name, results[name], file=sys.stderr, flush=True)
    return {"presets": results}


def main():
    arguments = common.argument_parser(__doc__.splitlines()[0]).parse_args()
    size = QUICK if arguments.quick else FULL
    common.emit("application_throughput", run(size, arguments.quick), arguments)


if __name__ == "__main__":
    main()
