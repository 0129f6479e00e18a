"""Training beyond one device with `keras.distribution`: meshes, layout maps.

Keras 3 distributes a model through `keras.distribution` (backed by JAX's
sharding): `DataParallel` replicates every weight and splits each batch over
the devices; `ModelParallel` also shards the weights that a `LayoutMap`
names over the mesh's "model" axis. The backbones' `get_layout_map()` shard
Megatron-style (Shoeybi et al. 2019, "Megatron-LM"): the query, key and value
kernels by attention head, the attention output kernel by the heads it
reads, the feed-forward's first kernel by its columns and its second by its
rows, so that each device computes its heads and its slice of the
feed-forward; embedding tables are sharded along their width (every width
the heads divide is divisible by the model shards, which a vocabulary size
need not be). Every other weight (layer norms, biases of the outputs, GRU
weights) is replicated.

In Keras 3.15 only the JAX backend implements `keras.distribution`; on
TensorFlow and PyTorch `make_distribution` raises a `ValueError` that says
so. Several GPUs or TPUs of one host are found by JAX itself; several hosts
call `keras.distribution.initialize()` first (see docs/distributed.md). On a
CPU, `XLA_FLAGS=--xla_force_host_platform_device_count=8`, set before JAX
starts, simulates 8 devices.

Shape legend: E width, H heads, D head size, F feed-forward width, V
vocabulary, T positions, P patch side, C channels, U attention units.
"""

import os
import re

DISTRIBUTIONS = ("data", "model")
BATCH_AXIS = "batch"
MODEL_AXIS = "model"


def transformer_layout_rules(model):
    """Megatron-style rules for `keras_attention` Transformer blocks.

    Args:
        model: the name of the mesh axis the weights are sharded over.

    Returns:
        dict: variable-path pattern (a regex matched against the whole path)
        -> axes of the variable, for `keras.distribution.LayoutMap`.
    """
    attention = r".*_attention"
    return {
        # (E, H, D) and (H, D): split by head.
        attention + r"/(query|key|value)/kernel": (None, model, None),
        attention + r"/(query|key|value)/bias": (model, None),
        # (H, D, E): each device reads its heads.
        attention + r"/attention_output/kernel": (model, None, None),
        # (E, F) and (F,): split by column; (F, E): by row.
        r".*feedforward_intermediate_dense/kernel": (None, model),
        r".*feedforward_intermediate_dense/bias": (model,),
        r".*feedforward_output_dense/kernel": (model, None),
    }


def embedding_layout_rules(model):
    """Rules sharding every (V, E) or (T, E) embedding table along E."""
    return {r".*/embeddings": (None, model)}


def layout_map(device_mesh, rules):
    """A `keras.distribution.LayoutMap` from `{pattern: axes}` rules."""
    import keras

    layouts = keras.distribution.LayoutMap(device_mesh)
    for pattern, axes in rules.items():
        layouts[pattern] = axes
    return layouts


def sharded_variables(variables, layouts):
    """`{path: axes}` of the variables a layout map shards (for checks).

    Args:
        variables: a model's variables.
        layouts: a `keras.distribution.LayoutMap`.

    Returns:
        dict: the path of every variable with a layout that names an axis.
    """
    sharded = {}
    for variable in variables:
        layout = layouts[variable.path]
        if layout is not None and any(axis is not None for axis in layout.axes):
            sharded[variable.path] = tuple(layout.axes)
    return sharded


class LayoutMapMixin:
    """`get_layout_map()` for a backbone, from its `layout_rules()`.

    Goes ahead of `PresetMixin` among a backbone's bases. The default rules
    shard `keras_attention` Transformer blocks and embedding tables; a
    backbone with other weights extends `layout_rules()`.
    """

    @classmethod
    def layout_rules(cls, model):
        """`{pattern: axes}` for the backbone's sharded weights.

        Args:
            model: the name of the mesh axis to shard over.
        """
        return {**embedding_layout_rules(model), **transformer_layout_rules(model)}

    @classmethod
    def get_layout_map(
        cls,
        device_mesh,
        model_parallel_dim_name=MODEL_AXIS,
        data_parallel_dim_name=BATCH_AXIS,
    ):
        """A `keras.distribution.LayoutMap` sharding the backbone's weights.

        keras-hub's signature: the weights `layout_rules()` names are
        sharded over the model axis; every other weight is replicated.

        Args:
            device_mesh: a `keras.distribution.DeviceMesh` with a
                `model_parallel_dim_name` axis.
            model_parallel_dim_name: the axis the weights are sharded over.
            data_parallel_dim_name: the batch axis (no weight is sharded
                over it).

        Returns:
            `keras.distribution.LayoutMap`, for
            `keras.distribution.ModelParallel`.

        Example:
        >>> mesh = keras.distribution.DeviceMesh(
        ...     (2, 4), ("batch", "model"), keras.distribution.list_devices())
        >>> layout_map = TextClassifierBackbone.get_layout_map(mesh)
        >>> keras.distribution.set_distribution(keras.distribution.ModelParallel(
        ...     layout_map=layout_map, batch_dim_name="batch"))
        """
        return layout_map(device_mesh, cls.layout_rules(model_parallel_dim_name))


def parse_mesh(text):
    """`"2x4"` -> `(2, 4)`: the (batch, model) shape of a device mesh.

    Raises:
        ValueError: for anything but two positive integers joined by `x`.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX*]\s*(\d+)\s*", str(text))
    if match is None or 0 in (int(match[1]), int(match[2])):
        raise ValueError(
            "`mesh` (--mesh) must be BATCHxMODEL with two positive integers, "
            f"e.g. 2x4. Received: mesh={text!r}"
        )
    return int(match[1]), int(match[2])


def make_distribution(kind, get_layout_map, mesh=None, model_parallel=None):
    """The `keras.distribution` a training config asks for.

    Args:
        kind: `"data"` (`DataParallel`) or `"model"` (`ModelParallel`).
        get_layout_map: the backbone's `get_layout_map(device_mesh)`.
        mesh: `"BATCHxMODEL"`, or None: for `"data"` every device on the
            batch axis; for `"model"`, `model_parallel` devices on the model
            axis and the rest on the batch axis.
        model_parallel: the model axis size when `mesh` is None (default:
            all devices).

    Returns:
        A `keras.distribution.Distribution`.

    With `KERAS_DISTRIBUTION_NUM_PROCESSES` above 1 in the environment
    (several hosts), `keras.distribution.initialize()` is called first; it
    reads `KERAS_DISTRIBUTION_JOB_ADDRESSES` and `KERAS_DISTRIBUTION_PROCESS_ID`.

    Raises:
        ValueError: off the JAX backend, for an unknown kind, a mesh that
            does not use exactly the available devices, or data parallelism
            with a model axis above 1.
    """
    import keras

    if kind not in DISTRIBUTIONS:
        raise ValueError(
            f"`distribution` (--distribution) must be one of {DISTRIBUTIONS}. "
            f"Received: distribution={kind!r}"
        )
    if keras.config.backend() != "jax":
        raise ValueError(
            f"--distribution {kind} needs the JAX backend: in Keras "
            f"{keras.__version__}, keras.distribution is implemented for JAX "
            f"only. Received the {keras.config.backend()!r} backend; run with "
            "KERAS_BACKEND=jax (or keras-attention --backend jax)."
        )
    if int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1:
        # Several hosts: each runs the same command with its
        # KERAS_DISTRIBUTION_* variables; JAX then sees every host's devices.
        keras.distribution.initialize()
    devices = keras.distribution.list_devices()
    if mesh is not None:
        shape = parse_mesh(mesh)
    elif kind == "data":
        shape = (len(devices), 1)
    else:
        model = len(devices) if model_parallel is None else model_parallel
        if model < 1 or len(devices) % model:
            raise ValueError(
                f"`model_parallel` (--model-parallel) must divide the "
                f"{len(devices)} devices. Received: model_parallel={model}"
            )
        shape = (len(devices) // model, model)
    if shape[0] * shape[1] != len(devices):
        raise ValueError(
            f"The mesh {shape[0]}x{shape[1]} needs {shape[0] * shape[1]} "
            f"devices; {len(devices)} are available ({', '.join(devices)})."
        )
    if kind == "data" and shape[1] != 1:
        raise ValueError(
            f"Data parallelism replicates the weights: its mesh is Nx1. "
            f"Received: mesh {shape[0]}x{shape[1]}; use --distribution model "
            "to shard weights over a model axis."
        )
    if kind == "data":
        return keras.distribution.DataParallel(
            device_mesh=keras.distribution.DeviceMesh(
                (len(devices),), axis_names=(BATCH_AXIS,), devices=devices
            )
        )
    device_mesh = keras.distribution.DeviceMesh(
        shape, axis_names=(BATCH_AXIS, MODEL_AXIS), devices=devices
    )
    return keras.distribution.ModelParallel(
        layout_map=get_layout_map(device_mesh), batch_dim_name=BATCH_AXIS
    )
