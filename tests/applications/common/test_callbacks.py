"""`StepTime` counts an epoch's training steps, one call or several per
execution (`steps_per_execution`)."""

import keras
import numpy as np
import pytest

from applications.common.callbacks import StepTime


class Steps(keras.callbacks.Callback):
    """An independent count of the steps: the optimizer's iterations."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = int(self.model.optimizer.iterations)

    def on_epoch_end(self, epoch, logs=None):
        self.steps = int(self.model.optimizer.iterations) - self.start


@pytest.mark.parametrize("steps_per_execution", [1, 5])
def test_step_time_counts_every_step(steps_per_execution):
    if steps_per_execution > 1 and keras.config.backend() == "torch":
        pytest.skip("Keras' torch trainer takes steps_per_execution=1 only")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    x = np.ones((40, 3), "float32")
    step_time, steps = StepTime(), Steps()
    history = model.fit(
        x, x[:, :1], batch_size=4, epochs=2, verbose=0, callbacks=[step_time, steps]
    )
    assert steps.steps == 10
    assert step_time._steps == 10
    assert len(history.history["step_ms"]) == 2
    assert all(ms > 0 for ms in history.history["step_ms"])
