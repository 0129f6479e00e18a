"""The shared checks, applied to every application of
`application_harness.APPLICATION_CASES`: config JSON round trip, `.keras`
save/load, mixed precision forward passes, a `fit` step, preset save/load,
and unknown preset names."""

import json

import keras
import numpy as np
import pytest
from application_harness import APPLICATION_CASES, forward

CASES = pytest.mark.parametrize("case", APPLICATION_CASES, ids=lambda case: case.name)


@pytest.fixture(scope="module")
def built():
    """One untrained task per case, built once (tests must not change it)."""
    tasks = {}

    def get(case):
        if case.name not in tasks:
            task = case.build()
            tasks[case.name] = (task, forward(task, case.forward_inputs(task)))
        return tasks[case.name]

    return get


@CASES
def test_config_json_round_trip_gives_the_same_task(case, built):
    task, expected = built(case)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(task)))
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is case.task_cls
    assert clone.get_config() == task.get_config()
    clone.set_weights(task.get_weights())
    # A config holds no vocabulary (keras-hub keeps it in the preset's
    # assets): feed the clone the original's preprocessed inputs.
    np.testing.assert_allclose(
        forward(clone, case.forward_inputs(task)), expected, atol=1e-6
    )


@CASES
def test_keras_file_reloads_with_equal_outputs(case, built, tmp_path):
    task, expected = built(case)
    path = tmp_path / f"{case.name}.keras"
    task.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is case.task_cls
    assert reloaded.preprocessor is not None
    np.testing.assert_allclose(
        forward(reloaded, case.forward_inputs(reloaded)), expected, atol=1e-6
    )


@CASES
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_forward_is_finite_and_close(case, built, policy):
    task, expected = built(case)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        mixed = case.build()
    finally:
        keras.config.set_dtype_policy(previous)
    assert mixed.backbone.dtype_policy.name == policy
    mixed.set_weights(task.get_weights())
    outputs = forward(mixed, case.forward_inputs(mixed))
    assert np.isfinite(outputs).all()
    # float16 keeps ~3 decimal digits, bfloat16 ~2.
    tolerance = 2e-2 if policy == "mixed_float16" else 1e-1
    np.testing.assert_allclose(
        outputs, expected, atol=tolerance * (1.0 + np.abs(expected).max())
    )


@CASES
def test_a_fit_step_trains_every_weight_and_gives_a_finite_loss(case):
    task = case.build()  # a fresh one: fit changes it
    before = [np.array(w) for w in task.trainable_weights]
    x, y = case.fit_data
    history = task.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [
        not np.array_equal(b, np.array(w))
        for b, w in zip(before, task.trainable_weights)
    ]
    assert all(changed), f"{changed.count(False)} weights left unchanged"


@CASES
def test_preset_reloads_with_equal_outputs_and_its_record(case, built, tmp_path):
    task, expected = built(case)
    preset = tmp_path / "preset"
    task.save_to_preset(preset, metadata={"description": "harness"})
    reloaded = case.task_cls.from_preset(preset)
    np.testing.assert_allclose(
        forward(reloaded, case.forward_inputs(reloaded)), expected, atol=1e-6
    )
    metadata = json.loads((preset / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["task"] == case.task_cls.__name__
    assert metadata["description"] == "harness"
    if hasattr(task, "label_names"):  # one rule for every classifier
        assert metadata["label_names"] == task.label_names == reloaded.label_names


@CASES
def test_unknown_preset_names_fail_with_the_known_ones(case):
    known = sorted(case.task_cls.presets)
    assert known, f"{case.task_cls.__name__} has no built-in presets"
    with pytest.raises(ValueError, match="Known built-in presets: ") as error:
        case.task_cls.from_preset("no_such_preset")
    assert "'no_such_preset'" in str(error.value)
    assert ", ".join(known) in str(error.value)
