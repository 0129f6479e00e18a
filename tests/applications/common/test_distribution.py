"""Layout maps and distribution options, checked on every backend (no
devices needed); training on simulated devices is in tests/distributed."""

import keras
import pytest
from application_harness import APPLICATION_CASES

from applications.cli import main
from applications.common.config import TrainingConfig
from applications.common.distribution import (
    make_distribution,
    parse_mesh,
    sharded_variables,
)

# A 2x4 mesh over named devices: layout maps need no real ones.
MESH = keras.distribution.DeviceMesh(
    (2, 4), ("batch", "model"), [f"cpu:{i}" for i in range(8)]
)
# What Megatron-style sharding must cover in every Transformer backbone.
MUST_SHARD = (
    "/query/kernel", "/key/kernel", "/value/kernel", "/attention_output/kernel",
    "feedforward_intermediate_dense/kernel", "feedforward_output_dense/kernel",
    "token_embedding/embeddings",
)  # fmt: skip


@pytest.fixture(scope="module")
def backbones():
    return {case.name: case.build().backbone for case in APPLICATION_CASES}


@pytest.mark.parametrize("case", APPLICATION_CASES, ids=lambda case: case.name)
def test_layout_maps_shard_the_intended_weights_and_nothing_else(case, backbones):
    backbone = backbones[case.name]
    layouts = type(backbone).get_layout_map(MESH)
    sharded = sharded_variables(backbone.weights, layouts)
    for variable in backbone.weights:
        axes = sharded.get(variable.path)
        if axes is not None:  # the layout fits the variable's rank
            assert len(axes) == len(variable.shape), variable.path
            assert axes.count("model") == 1 and "batch" not in axes
    intended = [
        variable.path
        for variable in backbone.weights
        if any(part in variable.path for part in MUST_SHARD)
        or (case.name.endswith("rnn_attention") and "embeddings" in variable.path)
    ]
    assert intended, "no variable of the backbone matched the intended names"
    unsharded = [path for path in intended if path not in sharded]
    assert not unsharded, f"layout map leaves these unsharded: {unsharded}"
    replicated = [v.path for v in backbone.weights if v.path not in sharded]
    assert all(
        "layer_norm" in path or "gru" in path or path.endswith("/bias")
        for path in replicated
    ), replicated


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mesh": "2x4"}, r"need `distribution` \(--distribution data\|model\)"),
        ({"distribution": "model", "mesh": "2-4"}, r"BATCHxMODEL .* Received: mesh"),
        ({"distribution": "model", "model_parallel": 0}, "model_parallel"),
        ({"distribution": "pipeline"}, r"`distribution` \(--distribution\) must "),
    ],
)
def test_distribution_options_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**kwargs)
    if "mesh" not in kwargs and "model_parallel" not in kwargs:
        with pytest.raises(ValueError, match="must be one of"):
            make_distribution(kwargs["distribution"], None)


def test_parse_mesh():
    assert parse_mesh("2x4") == (2, 4) and parse_mesh(" 1X8 ") == (1, 8)


@pytest.mark.skipif(keras.config.backend() == "jax", reason="JAX distributes")
def test_other_backends_say_which_backend_distributes(tmp_path, capsys):
    with pytest.raises(ValueError, match="needs the JAX backend.*KERAS_BACKEND=jax"):
        make_distribution("data", None)
    command = ["train", "vit", "--dataset", "digits", "--distribution", "data",
               "--output", str(tmp_path / "vit"), "--epochs", "1"]  # fmt: skip
    assert main(command) == 1
    assert "needs the JAX backend" in capsys.readouterr().err
    assert not (tmp_path / "vit").exists()
