"""What every application's `train` command shares: the fit loop with a best
checkpoint and early stopping, and the training record kept in a preset.
"""

import platform
import shlex
import time
from pathlib import Path


def default_checkpoint_path(output):
    """`runs/<preset name>/best.weights.h5`, beside (not inside) the preset.

    Args:
        output: the preset directory being trained.

    Returns:
        `pathlib.Path` of the best-weights checkpoint.
    """
    return Path("runs") / Path(output).resolve().name / "best.weights.h5"


def fit_with_best_checkpoint(
    model,
    train_data,
    validation_data=None,
    epochs=1,
    checkpoint_path="best.weights.h5",
    monitor="val_loss",
    mode="min",
    patience=None,
    steps_per_epoch=None,
    verbose=1,
):
    """Trains with Keras' progress bar, keeps the best weights, restores them.

    A `keras.callbacks.ModelCheckpoint` writes the weights whenever `monitor`
    improves; with `patience`, `keras.callbacks.EarlyStopping` ends training
    after that many epochs without improvement. The best weights are loaded
    back into `model` at the end.

    Args:
        model: a compiled `keras.Model` (e.g. a keras-hub task).
        train_data: what `model.fit()` takes as `x` (e.g. a `tf.data.Dataset`
            of `(x, y)` batches).
        validation_data: optional validation data for `fit()`.
        epochs: the most epochs to train.
        checkpoint_path: where to write the best weights (`.weights.h5`).
        monitor: the logged quantity to watch, e.g. `"val_loss"`.
        mode: `"min"` or `"max"`, whether smaller or larger is better.
        patience: epochs without improvement before stopping; None trains
            all `epochs`.
        steps_per_epoch: optional cap on batches per epoch.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.

    Returns:
        dict: `history` (the `History.history` dict), `best_epoch` (1-based)
        and `best_value` of `monitor`, `epochs_run`.
    """
    import keras

    checkpoint_path = Path(checkpoint_path)
    if not checkpoint_path.name.endswith(".weights.h5"):
        raise ValueError(
            "`checkpoint_path` must end in '.weights.h5'. "
            f"Received: checkpoint_path={str(checkpoint_path)!r}"
        )
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'min' or 'max'. Received: mode={mode!r}")
    checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            str(checkpoint_path),
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            verbose=verbose,
        )
    ]
    if patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=patience)
        )
    history = model.fit(
        train_data,
        validation_data=validation_data,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
        # Shuffle in the input pipeline (e.g. `Dataset.shuffle`); Keras
        # cannot shuffle a dataset and warns when asked to.
        shuffle=False,
    )
    if monitor not in history.history:
        raise ValueError(
            f"`monitor={monitor!r}` was not logged during training. Logged: "
            f"{sorted(history.history)}"
        )
    values = history.history[monitor]
    best_index = max(range(len(values)), key=lambda i: values[i] * _sign(mode))
    model.load_weights(str(checkpoint_path))
    return {
        "history": history.history,
        "best_epoch": best_index + 1,
        "best_value": float(values[best_index]),
        "epochs_run": len(values),
    }


def _sign(mode):
    return 1.0 if mode == "max" else -1.0


class Stopwatch:
    """Measures wall time: `with Stopwatch() as watch: ...; watch.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self._start
        return False


def training_record(argv, wall_time_seconds, **fields):
    """The metadata a trained preset keeps about how it was made.

    Args:
        argv: the command-line arguments after `keras-attention`.
        wall_time_seconds: training wall time.
        **fields: further entries (data, metrics, split sizes, ...).

    Returns:
        dict for `metadata.json`: `training_command`, `training_backend`,
        `training_wall_time_seconds`, `training_machine` and `fields`.
    """
    import keras

    return {
        "training_command": "keras-attention " + shlex.join(list(argv)),
        "training_backend": keras.config.backend(),
        "training_wall_time_seconds": round(float(wall_time_seconds), 1),
        "training_machine": f"{platform.machine()}, {_cpu_count()} CPU cores",
        **fields,
    }


def _cpu_count():
    import os

    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def warmup_cosine_schedule(learning_rate, total_steps, warmup_steps, alpha=0.0):
    """Linear warmup from 0 to `learning_rate`, then cosine decay.

    Args:
        learning_rate: the peak rate, reached after `warmup_steps`.
        total_steps: all training steps (warmup included).
        warmup_steps: steps of linear warmup (0: start at the peak); capped
            at `total_steps - 1`.
        alpha: the final rate as a fraction of the peak.

    Returns:
        `keras.optimizers.schedules.CosineDecay`.
    """
    import keras

    total_steps = max(1, total_steps)
    warmup_steps = max(0, min(warmup_steps, total_steps - 1))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup_steps else learning_rate,
        decay_steps=max(1, total_steps - warmup_steps),
        warmup_target=learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
        alpha=alpha,
    )


def split_sizes(train, validation, test):
    """`{"train": n, "validation": n, "test": n}` of `(inputs, targets)` splits."""
    return {
        "train": len(train[0]),
        "validation": len(validation[0]),
        "test": len(test[0]),
    }


def save_trained_preset(model, output, record, result, details, seconds):
    """Writes the trained task's preset and says so in one line.

    Args:
        model: the trained task.
        output: the preset directory.
        record: `training_record()`'s dict, kept in `metadata.json`.
        result: `fit_with_best_checkpoint()`'s dict (or one with
            `best_epoch` and `epochs_run`).
        details: what to add to the line, e.g. `["accuracy 0.98"]`.
        seconds: training wall time.
    """
    model.save_to_preset(output, metadata=record)
    print(
        f"Wrote preset {str(output)!r}: {model.count_params():,} parameters, "
        f"best epoch {result['best_epoch']}/{result['epochs_run']}, "
        + "".join(f"{detail}, " for detail in details)
        + f"{seconds:.0f} s training"
    )
