"""`applications.common.optimizers.AdamW`: Keras' AdamW, its per-step
scalars computed once, gives bitwise Keras' AdamW's updates."""

import keras
import numpy as np
import pytest

from applications.common import training
from applications.common.optimizers import AdamW, adamw


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(8, activation="gelu"),
            keras.layers.LayerNormalization(),
            keras.layers.Dense(2),
        ]
    )


def data(seed=1, count=24):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((count, 3)).astype("float32")
    y = np.stack([x @ [1.0, -2.0, 0.5], np.sin(x[:, 0])], -1).astype("float32")
    return x, y


def trained_weights(optimizer_cls, **kwargs):
    """The weights after 6 steps of `optimizer_cls` as the GPT recipe makes
    it: a warmup-cosine schedule, weight decay with exclusions, clipping."""
    model = tiny_model()
    schedule = training.warmup_cosine_schedule(1e-2, 6, 2, alpha=0.1)
    optimizer = optimizer_cls(
        learning_rate=schedule,
        weight_decay=0.1,
        beta_2=0.99,
        global_clipnorm=1.0,
        **kwargs,
    )
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(*data(), batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert int(optimizer.iterations) == 6
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


@pytest.mark.skipif(
    keras.config.backend() == "torch",
    reason="Keras' AdamW on torch is its torch._foreach implementation, a "
    "different arithmetic (adamw() keeps it there)",
)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_updates_are_bitwise_keras_adamw(amsgrad):
    expected = trained_weights(keras.optimizers.AdamW, amsgrad=amsgrad)
    ours = trained_weights(AdamW, amsgrad=amsgrad)
    for a, b in zip(expected, ours):
        np.testing.assert_array_equal(a, b)
    # The steps moved the weights: the comparison is not of initial weights.
    assert not np.array_equal(
        expected[0], keras.ops.convert_to_numpy(tiny_model().weights[0])
    )


def test_the_scalars_are_shared_only_while_a_step_applies():
    optimizer = AdamW(learning_rate=1e-3)
    assert getattr(optimizer, "_step_scalars", None) is None
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer.apply([keras.ops.ones(3)], [variable])
    assert optimizer._step_scalars is None
    # Outside a step the learning rate is computed as Keras computes it.
    assert float(optimizer.learning_rate) == pytest.approx(1e-3)


def test_adamw_is_ours_on_tensorflow_and_keras_elsewhere():
    optimizer = adamw(learning_rate=1e-3, weight_decay=0.1)
    if keras.config.backend() == "tensorflow":
        assert type(optimizer) is AdamW
    else:
        assert not isinstance(optimizer, AdamW)
        assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == pytest.approx(0.1)


def test_configuration_round_trips():
    optimizer = AdamW(learning_rate=2e-3, weight_decay=0.05, beta_2=0.99)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is AdamW
    assert restored.get_config() == optimizer.get_config()
