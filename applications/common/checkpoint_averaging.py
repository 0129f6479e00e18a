"""Checkpoint averaging: the mean of the weights of the last epochs.

Vaswani et al. ("Attention Is All You Need", 2017, section 6.1) translate
with "a single model obtained by averaging the last 5 checkpoints"; fairseq's
`average_checkpoints.py` does the same from checkpoint files. Here the last
epochs' weights are kept in memory (numpy, one copy of the model's weights
per epoch) by a callback during `fit()`, and the average replaces the
trained weights only if it does no worse on the validation data:

>>> averaging = CheckpointAveraging(5)
>>> model.fit(train, validation_data=validation, epochs=20,
...           callbacks=[averaging])
>>> report = keep_average_if_not_worse(model, averaging, validation)
>>> report["kept"]
'averaged'
"""

import collections

import keras
import numpy as np

from applications.common.checks import check_number


class CheckpointAveraging(keras.callbacks.Callback):
    """Keeps the weights of the last `count` epochs and averages them.

    At the end of every epoch the model's weights (`model.get_weights()`:
    trainable and non-trainable, not the optimizer's) are copied to numpy;
    only the last `count` copies are kept. `averaged_weights()` is their
    arithmetic mean, weight by weight (computed in float64, cast back to
    each weight's dtype); weights that are not floating point (counters,
    integer states) are the last epoch's. Memory: `count` copies of the
    weights on the host.

    A run resumed from a backup starts with none in memory: only the epochs
    trained since the resume are averaged.

    Args:
        count: N, the epochs to average, an integer >= 1 (1 keeps the last
            epoch's weights only).

    Attributes:
        epochs: the 1-based numbers of the epochs held, oldest first.

    Raises:
        ValueError: for a `count` below 1.
        TypeError: for a `count` that is no integer.
    """

    def __init__(self, count):
        super().__init__()
        self.count = check_number(count, "count", "[1, inf)", integer=True)
        self._held = collections.deque(maxlen=count)  # (epoch, weights)

    def on_epoch_end(self, epoch, logs=None):
        weights = [np.array(value, copy=True) for value in self.model.get_weights()]
        self._held.append((epoch + 1, weights))

    @property
    def epochs(self):
        return [epoch for epoch, _ in self._held]

    def averaged_weights(self):
        """The mean of the held epochs' weights, a list as `get_weights()`.

        Raises:
            ValueError: when no epoch has ended yet.
        """
        if not self._held:
            raise ValueError(
                "No weights to average: no epoch has ended since the "
                "CheckpointAveraging callback was made."
            )
        snapshots = [weights for _, weights in self._held]
        averaged = []
        for values in zip(*snapshots):
            last = values[-1]
            if np.issubdtype(last.dtype, np.floating):
                mean = np.mean(np.stack(values).astype("float64"), axis=0)
                averaged.append(mean.astype(last.dtype))
            else:
                averaged.append(last)
        return averaged


def keep_average_if_not_worse(model, averaging, validation_data, loss="loss"):
    """Puts the averaged weights into `model` if their validation loss is not
    worse than that of the weights it has (e.g. the best epoch's).

    Both are evaluated with `model.evaluate(validation_data)`, so that the
    two losses are measured the same way. With fewer than 2 epochs held,
    nothing is averaged.

    Args:
        model: the compiled, trained `keras.Model` (holding the weights to
            compare with, e.g. the best epoch's restored by the checkpoint).
        averaging: the `CheckpointAveraging` callback that ran in `fit()`.
        validation_data: as `fit()`'s `validation_data`: a
            `tf.data.Dataset` (or other iterable) of batches, or a tuple
            `(x, y)` or `(x, y, sample_weight)`.
        loss: the name of the logged quantity to compare (smaller is better).

    Returns:
        dict for a training record: `averaged_epochs` (1-based), `kept`
        (`"averaged"` or `"best epoch"`) and, when averaged,
        `validation_loss_best_epoch` and `validation_loss_averaged`; else
        `note` saying why not.
    """
    epochs = averaging.epochs
    report = {"averaged_epochs": epochs, "kept": "best epoch"}
    if len(epochs) < 2:
        report["note"] = f"{len(epochs)} epoch(s) in memory: nothing to average"
        return report
    best = model.get_weights()
    best_loss = _evaluate(model, validation_data, loss)
    model.set_weights(averaging.averaged_weights())
    averaged_loss = _evaluate(model, validation_data, loss)
    report.update(
        validation_loss_best_epoch=round(best_loss, 4),
        validation_loss_averaged=round(averaged_loss, 4),
    )
    if averaged_loss <= best_loss:
        report["kept"] = "averaged"
    else:
        model.set_weights(best)
    return report


def _evaluate(model, data, loss):
    arguments = data if isinstance(data, tuple) else (data,)  # (x, y) or a dataset
    results = model.evaluate(*arguments, verbose=0, return_dict=True)
    if loss not in results:
        raise ValueError(
            f"`loss={loss!r}` is not among what evaluate() returns: {sorted(results)}"
        )
    return float(results[loss])
