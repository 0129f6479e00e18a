"""Weights and optimizer state per device under `keras.distribution`, and the
step time on simulated devices (JAX only).

For the architecture presets `transformer_base` (63M parameters) and
`vit_base_patch16_224` (87M), the backbone is built under `ModelParallel`
with its `get_layout_map()` on a mesh of 8 devices with 1, 2, 4 and 8 of
them on the model axis (the rest on the batch axis), Adam's state is built
for it, and the bytes each device holds are summed from the arrays' shards.
Goal: the sharded weights take ~1/N of their single-device bytes per device.

Then one training step (`train_on_batch`, Adam, a mean-squared-error loss on
the backbone's output) of the `vit_tiny_digits` architecture is timed on one
device, under `DataParallel` over 8 devices and under `ModelParallel` 2x4.
On a CPU the 8 devices are simulated (`XLA_FLAGS=
--xla_force_host_platform_device_count=8`, set here before JAX starts) and
share its cores: these times show the overhead of the partitioned program,
not a speed-up.

Run: KERAS_BACKEND=jax python benchmarks/distribution_memory.py
"""

import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402

DEVICES = 8
MODEL_SHARDS = (1, 2, 4, 8)
PRESETS = {
    "transformer_base": "applications.translator.backbone.TranslatorBackbone",
    "vit_base_patch16_224": (
        "applications.vision_transformer.backbone.VisionTransformerBackbone"
    ),
}
STEP_PRESET = "vit_tiny_digits"


def _backbone_class(path):
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _bytes(variable):
    """The bytes of a whole variable."""
    return int(np.prod(variable.shape)) * np.dtype(variable.dtype).itemsize


def _device_bytes(variables):
    """The largest number of bytes any one device holds of `variables`."""
    per_device = {}
    for variable in variables:
        for shard in variable.value.addressable_shards:
            size = shard.data.size * shard.data.dtype.itemsize
            per_device[shard.device] = per_device.get(shard.device, 0) + size
    return max(per_device.values())


def _distribution(model_shards, backbone_cls):
    devices = keras.distribution.list_devices()
    mesh = keras.distribution.DeviceMesh(
        (DEVICES // model_shards, model_shards), ("batch", "model"), devices
    )
    return keras.distribution.ModelParallel(
        layout_map=backbone_cls.get_layout_map(mesh), batch_dim_name="batch"
    )


def memory_per_device(preset, backbone_path, shards):
    """Bytes per device of the weights and Adam's state, by model shards."""
    import json

    from applications.common.presets import CONFIG_FILE, resolve_preset

    backbone_cls = _backbone_class(backbone_path)
    path = os.path.join(resolve_preset(preset), CONFIG_FILE)
    with open(path, encoding="utf-8") as stream:
        heads = json.load(stream)["config"]["num_heads"]
    rows = []
    for model_shards in shards:
        if heads % model_shards:
            rows.append(
                {
                    "model_shards": model_shards,
                    "mesh": f"{DEVICES // model_shards}x{model_shards}",
                    "skipped": f"its {heads} heads do not divide over "
                    f"{model_shards} devices",
                }
            )
            continue
        with _distribution(model_shards, backbone_cls).scope():
            backbone = backbone_cls.from_preset(preset, load_weights=False)
            optimizer = keras.optimizers.Adam()
            optimizer.build(backbone.trainable_variables)
        layouts = backbone_cls.get_layout_map(
            keras.distribution.DeviceMesh((1, 1), ("batch", "model"), ["cpu:0"])
        )
        sharded = [
            variable
            for variable in backbone.weights
            if layouts[variable.path] is not None
            and "model" in tuple(layouts[variable.path].axes)
        ]
        total = sum(_bytes(v) for v in backbone.weights)
        sharded_total = sum(_bytes(v) for v in sharded)
        rows.append(
            {
                "model_shards": model_shards,
                "mesh": f"{DEVICES // model_shards}x{model_shards}",
                "parameters": int(backbone.count_params()),
                "weights_bytes_total": int(total),
                "sharded_weights_bytes_total": int(sharded_total),
                "weights_bytes_per_device": int(_device_bytes(backbone.weights)),
                "sharded_weights_bytes_per_device": int(_device_bytes(sharded)),
                "optimizer_bytes_per_device": int(_device_bytes(optimizer.variables)),
            }
        )
        del backbone, optimizer
    return rows


def step_times(preset, repeats, batch):
    """Median seconds of one training step: 1 device, data 8, model 2x4."""
    from applications.vision_transformer.backbone import VisionTransformerBackbone

    config = VisionTransformerBackbone.from_preset(preset, load_weights=False)
    config = config.get_config()
    images = (
        np.random.default_rng(0)
        .normal(size=(batch, *config["image_size"], config["num_channels"]))
        .astype("float32")
    )

    def timed(distribution):
        scope = distribution.scope() if distribution else _no_scope()
        with scope:
            backbone = VisionTransformerBackbone.from_config(config)
            backbone.compile(optimizer="adam", loss="mse")
            target = np.zeros(backbone.output.shape[1:], "float32")
            targets = np.broadcast_to(target, (batch, *target.shape)).copy()
            return common.median_seconds(
                lambda: backbone.train_on_batch(images, targets),
                repeats=repeats,
                warmup=2,
            )

    devices = keras.distribution.list_devices()
    one = timed(None)
    data = timed(keras.distribution.DataParallel(devices=devices))
    model = timed(_distribution(4, VisionTransformerBackbone))
    return {
        "preset": preset,
        "batch": batch,
        "one_device_ms": round(one * 1e3, 2),
        "data_parallel_8_ms": round(data * 1e3, 2),
        "model_parallel_2x4_ms": round(model * 1e3, 2),
        "data_parallel_8_over_one": round(data / one, 2),
        "model_parallel_2x4_over_one": round(model / one, 2),
    }


def _no_scope():
    import contextlib

    return contextlib.nullcontext()


def _table(name, rows):
    single = rows[0]["weights_bytes_per_device"]
    lines = [
        f"{name}: {rows[0]['parameters']:,} parameters, "
        f"{rows[0]['sharded_weights_bytes_total'] / rows[0]['weights_bytes_total']:.1%}"
        " of the weight bytes in sharded variables",
        "| mesh | weights MiB/device | vs 1 device | sharded MiB/device "
        "| x N / sharded total | Adam state MiB/device |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        n = row["model_shards"]
        if "skipped" in row:
            lines.append(f"| {row['mesh']} | {row['skipped']} | | | | |")
            continue
        lines.append(
            f"| {row['mesh']} | {row['weights_bytes_per_device'] / 2**20:.1f} "
            f"| {row['weights_bytes_per_device'] / single:.3f} "
            f"| {row['sharded_weights_bytes_per_device'] / 2**20:.1f} "
            f"| {row['sharded_weights_bytes_per_device'] * n / row['sharded_weights_bytes_total']:.3f} "  # noqa: E501
            f"| {row['optimizer_bytes_per_device'] / 2**20:.1f} |"
        )
    return "\n".join(lines)


def main():
    arguments = common.argument_parser(__doc__.splitlines()[0]).parse_args()
    if keras.config.backend() != "jax":
        raise SystemExit("keras.distribution runs on JAX: KERAS_BACKEND=jax")
    if len(keras.distribution.list_devices()) < DEVICES:
        raise SystemExit(
            f"needs {DEVICES} devices (XLA_FLAGS=--xla_force_host_platform_"
            f"device_count={DEVICES} before JAX starts)"
        )
    shards = (1, 4) if arguments.quick else MODEL_SHARDS
    presets = PRESETS
    if arguments.quick:  # the small preset of the same backbone
        presets = {STEP_PRESET: PRESETS["vit_base_patch16_224"]}
    memory = {
        preset: memory_per_device(preset, path, shards)
        for preset, path in presets.items()
    }
    steps = step_times(STEP_PRESET, repeats=2 if arguments.quick else 10, batch=64)
    for preset, rows in memory.items():
        print(_table(preset, rows), file=sys.stderr)
    print(steps, file=sys.stderr)
    common.emit(
        "distribution_memory",
        {"memory_per_device": memory, "step_time": steps},
        arguments,
    )


if __name__ == "__main__":
    main()
