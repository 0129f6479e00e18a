"""Every backbone under `DataParallel` and `ModelParallel` (mesh 2x4) on 8
simulated devices: one training step equals the step on one device, each
weight is laid out as its layout map says, a preset saved from a sharded
model loads on one device, cached generation works on a sharded translator,
and the `train` commands take --distribution."""

import json
import re

import keras
import numpy as np
import pytest
from application_harness import APPLICATION_CASES, PAIRS, forward

from applications.cli import main
from applications.common.distribution import make_distribution

CASES = pytest.mark.parametrize("case", APPLICATION_CASES, ids=lambda case: case.name)
MESHES = pytest.mark.parametrize(
    "kind, mesh", [("data", None), ("model", "2x4")], ids=["data", "model_2x4"]
)
# Four heads divide over the 4 devices of the model axis.
SHARDABLE = {"num_heads": 4}


def _eight(values):
    """The 4 harness examples twice: a batch of 8 splits over 8 devices
    (None, a language model's labels, stays None)."""
    if values is None:
        return None
    if isinstance(values, np.ndarray):
        return np.concatenate([values, values])
    return list(values) * 2


def _numpy(weights):
    return [np.asarray(keras.ops.convert_to_numpy(w)) for w in weights]


def _build_distributed(case, kind, mesh, weights):
    """The case's task built and its weights set under a distribution,
    which stays set; the caller resets it."""
    backbone_cls = type(case.build(**SHARDABLE).backbone)
    distribution = make_distribution(kind, backbone_cls.get_layout_map, mesh)
    keras.distribution.set_distribution(distribution)
    task = case.build(**SHARDABLE)
    task.set_weights(weights)
    return task, distribution


@pytest.fixture(autouse=True)
def no_distribution_after_the_test():
    yield
    keras.distribution.set_distribution(None)


@CASES
@MESHES
def test_one_training_step_equals_the_step_on_one_device(case, kind, mesh):
    x, y = (_eight(values) for values in case.fit_data)
    single = case.build(**SHARDABLE)
    weights = single.get_weights()
    # SGD: an update proportional to the gradient. (Adam divides by the
    # gradient's size: where the gradient is 0 in exact arithmetic, e.g. a
    # key bias under softmax, it turns rounding noise into full steps.)
    single.compile(optimizer=keras.optimizers.SGD(0.1))
    sample_weight = None
    if case.name == "bert":
        # BERT's preprocessor draws its masks at random: both steps read
        # one masked batch, preprocessed once.
        x, y, sample_weight = keras.tree.map_structure(
            np.asarray, single.preprocessor(x)
        )
        single.preprocessor = None
    fit = dict(sample_weight=sample_weight, batch_size=8, epochs=1, shuffle=False)
    expected = single.fit(x, y, verbose=0, **fit)
    task, _ = _build_distributed(case, kind, mesh, weights)
    task.compile(optimizer=keras.optimizers.SGD(0.1))
    if sample_weight is not None:
        task.preprocessor = None
    history = task.fit(x, y, verbose=0, **fit)
    np.testing.assert_allclose(
        history.history["loss"], expected.history["loss"], rtol=1e-5
    )
    for variable, after, reference in zip(
        task.weights, _numpy(task.weights), _numpy(single.weights)
    ):
        np.testing.assert_allclose(
            after, reference, rtol=1e-4, atol=1e-5, err_msg=variable.path
        )


@CASES
@MESHES
def test_each_weight_is_laid_out_as_its_layout_map_says(case, kind, mesh):
    single = case.build(**SHARDABLE)
    task, distribution = _build_distributed(case, kind, mesh, single.get_weights())
    layouts = (
        type(task.backbone).get_layout_map(distribution.device_mesh)
        if kind == "model"
        else None
    )
    sharded = 0
    for variable in task.backbone.weights:
        layout = layouts[variable.path] if layouts is not None else None
        expected = tuple(layout.axes) if layout is not None else ()
        spec = tuple(variable.value.sharding.spec)
        actual = spec + (None,) * (len(variable.shape) - len(spec))
        expected = expected or (None,) * len(variable.shape)
        assert actual == expected, variable.path
        if "model" in actual:
            shard = variable.value.addressable_shards[0].data.shape
            axis = actual.index("model")
            assert shard[axis] * 4 == variable.shape[axis], variable.path
            sharded += 1
    assert (sharded > 0) == (kind == "model")


@CASES
def test_a_preset_saved_from_a_sharded_model_loads_on_one_device(case, tmp_path):
    single = case.build(**SHARDABLE)
    task, _ = _build_distributed(case, "model", "2x4", single.get_weights())
    inputs = case.forward_inputs(task)
    task.save_to_preset(tmp_path / "preset")
    keras.distribution.set_distribution(None)
    sharded_outputs = forward(task, inputs)
    reloaded = case.task_cls.from_preset(tmp_path / "preset")
    assert all(
        len(variable.value.sharding.device_set) == 1 for variable in reloaded.weights
    )
    np.testing.assert_allclose(forward(reloaded, inputs), sharded_outputs, atol=1e-5)
    np.testing.assert_allclose(forward(single, inputs), sharded_outputs, atol=1e-5)


@pytest.mark.parametrize("architecture", ["transformer", "rnn_attention"])
def test_cached_generation_works_on_a_sharded_translator(architecture):
    case = next(c for c in APPLICATION_CASES if c.name.endswith(architecture))
    sources = _eight([source for source, _ in PAIRS])
    single = case.build(**SHARDABLE)
    expected = single.translate(sources, num_beams=2)
    task, _ = _build_distributed(case, "model", "2x4", single.get_weights())
    assert task.translate(sources, num_beams=2) == expected  # batches of 8
    keras.distribution.set_distribution(None)
    assert task.translate(sources[:3], num_beams=2) == expected[:3]  # any size


TINY_VIT = [
    "--dataset", "digits", "--num-layers", "1", "--num-heads", "4",
    "--hidden-dim", "16", "--intermediate-dim", "32", "--epochs", "1",
    "--steps-per-epoch", "2", "--batch-size", "16", "--verbose", "0",
]  # fmt: skip


@pytest.mark.parametrize("options", [["--distribution", "model", "--mesh", "2x4"],
                                     ["--distribution", "data"]])  # fmt: skip
def test_train_vit_on_a_mesh_writes_a_preset_that_loads(options, tmp_path):
    output = tmp_path / "vit"
    command = ["train", "vit", *TINY_VIT, *options, "--output", str(output),
               "--checkpoint", str(tmp_path / "best.weights.h5")]  # fmt: skip
    assert main(command) == 0
    assert keras.distribution.distribution() is None  # given back after fit
    metadata = json.loads((output / "metadata.json").read_text(encoding="utf-8"))
    mesh = metadata["training_devices"]["mesh"]
    assert mesh == ({"batch": 2, "model": 4} if "model" in options else {"batch": 8})
    assert len(metadata["training_devices"]["devices"]) == 8
    assert 0.0 <= metadata["test_accuracy"] <= 1.0


@pytest.mark.parametrize(
    "options, message",
    [
        (["--num-heads", "2", "--distribution", "model", "--mesh", "2x4"],
         r"`num_heads` \(--num-heads\) must be divisible by the 4 devices"),
        (["--batch-size", "12", "--distribution", "data"],
         r"`batch_size` \(--batch-size\) must be divisible by the 8 devices"),
        (["--distribution", "model", "--mesh", "4x4"], "needs 16 devices; 8 are"),
        (["--distribution", "data", "--mesh", "2x4"], "its mesh is Nx1"),
    ],
)  # fmt: skip
def test_a_mesh_that_does_not_fit_is_a_clear_error(options, message, tmp_path, capsys):
    output = tmp_path / "vit"
    assert main(["train", "vit", *TINY_VIT, *options, "--output", str(output)]) == 1
    assert re.search(message, capsys.readouterr().err), message
    assert not output.exists()


def test_the_distribution_benchmark_runs_quick(tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    repository = Path(__file__).resolve().parents[2]
    monkeypatch.syspath_prepend(str(repository))
    from benchmarks import distribution_memory

    record = tmp_path / "record.json"
    monkeypatch.setattr(sys, "argv", ["x", "--quick", "--json", str(record)])
    distribution_memory.main()
    results = json.loads(record.read_text())["results"]
    rows = results["memory_per_device"]["vit_tiny_digits"]
    assert [row["mesh"] for row in rows] == ["8x1", "2x4"]
    sharded = [row["sharded_weights_bytes_per_device"] for row in rows]
    assert sharded[1] * 4 == sharded[0]  # a quarter each on 4 model shards
    assert results["step_time"]["one_device_ms"] > 0
