"""The shared checks, applied to every layer of `layer_harness.LAYER_CASES`:
config round trip through JSON (default and non-default arguments), `.keras`
save/load, symbolic vs eager call, a training step under `model.fit` (jit on
and off), mixed precision with masked rows."""

import json

import keras
import numpy as np
import pytest
from layer_harness import (
    BATCH,
    LAYER_CASES,
    first_output,
    functional_model,
    to_numpy,
)

from keras_attention import layers

CASES = pytest.mark.parametrize("case", LAYER_CASES, ids=lambda case: case.name)
# Keras maps jit_compile=True to XLA (tensorflow, jax) or torch.compile, which
# is too slow to trace on CPU for a unit test; "where the backend has it".
JIT_CHOICES = [False] if keras.config.backend() == "torch" else [False, True]
# A policy other than the default, with variables and computations in
# different dtypes, that every backend supports (float64 needs x64 on jax).
CUSTOM_DTYPE_POLICY = "mixed_bfloat16"


@CASES
@pytest.mark.parametrize("arguments", ["default", "custom"])
def test_config_round_trips_through_json_with_identical_outputs(case, arguments):
    kwargs = {}
    if arguments == "custom":
        kwargs = {**case.custom_kwargs, "dtype": CUSTOM_DTYPE_POLICY}
    layer = case.make(**kwargs)
    expected = to_numpy(first_output(layer(*case.inputs)))
    config = layer.get_config()
    if arguments == "custom":
        default = case.make().get_config()
        ignored = [key for key in kwargs if config[key] == default[key]]
        assert not ignored, f"get_config() ignores {ignored}"
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    clone(*case.inputs)  # builds the weights
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == config
    np.testing.assert_array_equal(to_numpy(first_output(clone(*case.inputs))), expected)


@CASES
def test_symbolic_and_eager_calls_agree_and_keras_file_reloads(case, tmp_path):
    layer = case.make()
    model = functional_model(case, layer)  # symbolic call
    symbolic_shape = tuple(model.output.shape)
    from_model = to_numpy(model(list(case.inputs)))
    eager = to_numpy(first_output(layer(*case.inputs)))
    assert eager.shape == symbolic_shape
    np.testing.assert_allclose(from_model, eager, rtol=1e-6, atol=1e-6)

    path = tmp_path / f"{case.name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(to_numpy(reloaded(list(case.inputs))), from_model)


@CASES
@pytest.mark.parametrize("jit_compile", JIT_CHOICES, ids=lambda jit: f"jit={jit}")
def test_a_training_step_runs_under_fit(case, jit_compile):
    keras.utils.set_random_seed(0)
    inner = functional_model(case, case.make())
    # A dense head gives weightless layers something to train.
    outputs = keras.layers.Dense(3)(inner.output)
    model = keras.Model(inner.inputs, outputs)
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    before = [to_numpy(w) for w in model.trainable_weights]
    targets = np.ones(tuple(outputs.shape), "float32")
    history = model.fit(
        list(case.inputs), targets, batch_size=BATCH, epochs=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    after = [to_numpy(w) for w in model.trainable_weights]
    changed = [not np.array_equal(b, a) for b, a in zip(before, after)]
    assert all(changed), f"weights left unchanged: {changed}"


@CASES
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_is_finite_and_masked_rows_are_zero(case, policy):
    layer = case.make(dtype=policy)
    outputs = first_output(layer(*case.inputs, **(case.masked_call or {})))
    assert keras.backend.standardize_dtype(outputs.dtype) == policy.split("_")[1]
    outputs = to_numpy(outputs)
    assert np.isfinite(outputs).all()
    for batch, query in case.fully_masked_rows:
        np.testing.assert_array_equal(outputs[batch, query], 0.0)
    if case.is_attention:
        _, scores = layer(
            *case.inputs, return_attention_scores=True, **case.masked_call
        )
        scores = to_numpy(scores)
        assert np.isfinite(scores).all()
        for batch, query in case.fully_masked_rows:
            np.testing.assert_array_equal(scores[batch, ..., query, :], 0.0)


def test_small_model_of_several_layers_round_trips_through_keras_file(tmp_path):
    keras.utils.set_random_seed(1)
    source = keras.Input(shape=(6,), dtype="int32")
    target = keras.Input(shape=(5,), dtype="int32")
    embed_source = layers.TokenAndPositionEmbedding(
        30, 8, 8, position="sinusoidal", mask_zero=True
    )
    embed_target = layers.TokenAndPositionEmbedding(30, 8, 8, mask_zero=True)
    encoded = layers.TransformerEncoderBlock(2, 16)(embed_source(source))
    decoded = layers.TransformerDecoderBlock(2, 16, normalize_first=True)(
        embed_target(target), encoder_sequence=encoded
    )
    context = layers.AdditiveAttention(units=4)(decoded, encoded)
    outputs = keras.layers.Dense(3)(context)
    model = keras.Model([source, target], outputs)

    inputs = [
        np.array([[4, 9, 2, 7, 0, 0], [5, 1, 1, 1, 1, 3]], "int32"),
        np.array([[2, 8, 8, 0, 0], [6, 3, 9, 4, 1]], "int32"),
    ]
    expected = to_numpy(model(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(to_numpy(reloaded(inputs)), expected)
