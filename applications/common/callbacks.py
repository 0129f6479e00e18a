"""Callbacks that add numbers to the training logs (and so to the history
and the record), at no cost to the training step.

- `StepTime`: `step_ms`, the mean wall time of an epoch's training steps,
  validation left out (Keras' progress bar divides the whole epoch,
  validation included, by the steps).
- `PerplexityFromLoss`: `perplexity` and `val_perplexity`, the exp of the
  losses, for language models: the perplexity without a second
  cross-entropy in every training step, which a perplexity metric costs.
"""

import math
import time

import keras


class StepTime(keras.callbacks.Callback):
    """Logs `step_ms` at the end of every epoch: milliseconds per training
    step, from the epoch's start to its last training step (the first
    epoch includes compiling; on JAX, whose steps run asynchronously, the
    last step may still be running, at most one step of the epoch). With
    `steps_per_execution` > 1 a batch's end comes once per execution, its
    `batch` the index of the execution's last step: the steps are counted
    from it."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._end, self._steps = time.perf_counter(), None, 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps = batch + 1  # the epoch's steps so far
        self._end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._steps:
            logs["step_ms"] = 1000 * (self._end - self._start) / self._steps


class PerplexityFromLoss(keras.callbacks.Callback):
    """Adds `perplexity` = exp(`loss`) and `val_perplexity` =
    exp(`val_loss`) (losses in nats) to every epoch's logs, in time for
    the progress bar's epoch line: the perplexity of the tokens whose mean
    cross-entropy the loss is."""

    def on_epoch_end(self, epoch, logs=None):
        for name in ("loss", "val_loss"):
            if logs is not None and name in logs:
                perplexity = name.replace("loss", "perplexity")
                logs[perplexity] = math.exp(min(float(logs[name]), 700.0))
