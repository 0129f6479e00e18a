"""Checkpoint averaging: the arithmetic mean of the last epochs' weights,
kept only when its validation loss is not worse."""

import keras
import numpy as np
import pytest

from applications.common.checkpoint_averaging import (
    CheckpointAveraging,
    keep_average_if_not_worse,
)


class Snapshots(keras.callbacks.Callback):
    """An independent record of every epoch's weights."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(
            [keras.ops.convert_to_numpy(w).copy() for w in self.model.weights]
        )


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="tanh"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def data(seed=1, count=16):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((count, 3)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]


def test_average_is_the_mean_of_the_last_epochs_weights():
    model = tiny_model()
    averaging, snapshots = CheckpointAveraging(3), Snapshots()
    model.fit(*data(), batch_size=4, epochs=5, verbose=0,
              callbacks=[averaging, snapshots])  # fmt: skip
    assert averaging.epochs == [3, 4, 5]
    expected = [np.mean(np.stack(ws), axis=0) for ws in zip(*snapshots.weights[2:])]
    averaged = averaging.averaged_weights()
    assert len(averaged) == len(expected) == len(model.get_weights())
    for found, wanted in zip(averaged, expected):
        assert found.dtype == np.float32
        np.testing.assert_allclose(found, wanted, rtol=1e-6, atol=1e-7)
    # The epochs differ, so the average is none of them.
    assert not np.allclose(averaged[0], snapshots.weights[-1][0])


def line(weight):
    """y = w x with a given w, scored by MSE on y = 2 x."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.array([[weight]], "float32")])
    return model


def hold(averaging, model, *weights):
    averaging.set_model(model)
    for epoch, weight in enumerate(weights):
        model.set_weights([np.array([[weight]], "float32")])
        averaging.on_epoch_end(epoch)


@pytest.mark.parametrize(
    "held, best, kept",
    [
        ((1.0, 3.0), 1.5, "averaged"),  # mean 2: loss 0 beats 1.5's
        ((0.0, 2.0), 2.0, "best epoch"),  # mean 1 is worse than 2
        ((1.0, 3.0, 1.5), 2.5, "averaged"),  # 11/6 is nearer 2 than 2.5
    ],
)
def test_average_kept_only_if_validation_loss_not_worse(held, best, kept):
    x = np.linspace(-1, 1, 8, dtype="float32")[:, None]
    model = line(0.0)
    averaging = CheckpointAveraging(len(held))
    hold(averaging, model, *held)
    model.set_weights([np.array([[best]], "float32")])  # the best epoch's
    report = keep_average_if_not_worse(model, averaging, (x, 2 * x))
    mean = float(np.mean(held))
    mse = float(np.mean((x * mean - 2 * x) ** 2))
    assert report["kept"] == kept
    np.testing.assert_allclose(report["validation_loss_averaged"], mse, atol=1e-4)
    np.testing.assert_allclose(
        report["validation_loss_best_epoch"],
        float(np.mean((x * best - 2 * x) ** 2)),
        atol=1e-4,
    )
    weight = float(model.get_weights()[0][0, 0])
    np.testing.assert_allclose(weight, mean if kept == "averaged" else best, 1e-6)


def test_one_epoch_is_not_averaged():
    x = np.ones((2, 1), "float32")
    model = line(1.0)
    averaging = CheckpointAveraging(4)
    hold(averaging, model, 5.0)
    model.set_weights([np.array([[1.0]], "float32")])
    report = keep_average_if_not_worse(model, averaging, (x, x))
    assert report["kept"] == "best epoch" and report["averaged_epochs"] == [1]
    assert float(model.get_weights()[0][0, 0]) == 1.0


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.5, TypeError)])
def test_bad_count_is_refused(bad, error):
    with pytest.raises(error, match="count"):
        CheckpointAveraging(bad)
    with pytest.raises(ValueError, match="no epoch"):
        CheckpointAveraging(2).averaged_weights()
