"""The skeleton every training recipe shares: batches, the fit loop with a
best checkpoint and early stopping, and the training record kept in a preset.

An application's `train(config, command)` opens a `TrainingRun`, loads and
splits its data, builds and compiles its task, then fits and finishes:

>>> run = TrainingRun(config, command)  # seeds Keras, starts the clock
>>> result = run.fit(task, batches(x, y, 32, seed=config.seed),
...                  batches(x_val, y_val, 32), monitor="val_loss")
>>> return run.finish(task, (train, validation, test), "a default description",
...                   "the data", test_accuracy=0.98, result="accuracy 98.0%")
"""

import dataclasses
import os
import platform
import shlex
import time
import typing
from pathlib import Path


class TrainingResult(typing.NamedTuple):
    """What `train(config)` returns: `task, record = train(config)`.

    Attributes:
        task: the trained task, with the best (or last) epoch's weights.
        record: the training record kept in the preset's `metadata.json`
            (command or config, data, split sizes, epochs, wall time,
            metrics).
    """

    task: typing.Any
    record: dict


def default_checkpoint_path(output, name="model"):
    """`runs/<preset name>/best.weights.h5`, beside (not inside) the preset.

    Args:
        output: the preset directory being trained, or None.
        name: the directory name under `runs/` when `output` is None.

    Returns:
        `pathlib.Path` of the best-weights checkpoint.
    """
    if output is not None:
        name = Path(output).resolve().name
    return Path("runs") / name / "best.weights.h5"


def batches(
    inputs,
    targets,
    batch_size,
    seed=None,
    map_examples=None,
    map_batches=None,
):
    """A `tf.data` pipeline of `(inputs, targets)` batches for `fit()`.

    Args:
        inputs: a list of strings or an array (N, ...), or a tuple of them.
        targets: N labels or target texts.
        batch_size: examples per batch.
        seed: shuffle every epoch with this seed; None keeps the order
            (validation and test data).
        map_examples: optional `fn(x, y) -> (x, y)` on single examples
            (e.g. augmentation), applied in order (seeded draws stay
            reproducible).
        map_batches: optional `fn(x, y) -> (x, y)` on batches.

    Returns:
        `tf.data.Dataset`.
    """
    import numpy as np
    import tensorflow as tf

    if isinstance(inputs, (np.ndarray, tuple)):
        features = inputs
    else:
        features = list(inputs)
    dataset = tf.data.Dataset.from_tensor_slices((features, np.asarray(targets)))
    if seed is not None:
        dataset = dataset.shuffle(len(targets), seed=seed)
    if map_examples is not None:
        dataset = dataset.map(map_examples)
    dataset = dataset.batch(batch_size)
    if map_batches is not None:
        dataset = dataset.map(map_batches)
    return dataset


def fit(task, train_data, validation_data, config, monitor, mode="min"):
    """Trains `task` as `config` says and keeps the best (or last) weights.

    Args:
        task: a compiled task.
        train_data: batches for `fit()` (see `batches()`).
        validation_data: batches, or None.
        config: a `TrainingConfig` (epochs, patience, checkpoint, ...).
        monitor: the logged quantity that picks the best epoch (e.g.
            `"val_loss"`); None trains all epochs and keeps the last weights.
        mode: `"min"` or `"max"`: whether smaller or larger is better.

    Returns:
        dict: `history`, `best_epoch` (1-based), `epochs_run` and, with a
        `monitor`, `best_value`.
    """
    if monitor is None:
        history = task.fit(
            train_data,
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch,
            verbose=config.verbose,
            shuffle=False,  # shuffled by the pipeline
        ).history
        epochs_run = len(history["loss"])
        return {"history": history, "best_epoch": epochs_run, "epochs_run": epochs_run}
    return fit_with_best_checkpoint(
        task,
        train_data,
        validation_data=validation_data,
        epochs=config.epochs,
        checkpoint_path=config.checkpoint
        or default_checkpoint_path(config.output, type(task).__name__),
        monitor=monitor,
        mode=mode,
        patience=config.patience,
        steps_per_epoch=config.steps_per_epoch,
        verbose=config.verbose,
    )


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


def training_record(config, command, wall_time_seconds, **fields):
    """The metadata a trained preset keeps about how it was made.

    Args:
        config: the training config (a dataclass), kept as
            `training_config`.
        command: the command-line arguments after `keras-attention`, or None
            when trained from Python.
        wall_time_seconds: training wall time.
        **fields: further entries (data, metrics, split sizes, ...).

    Returns:
        dict for `metadata.json`: `training_command` (from the command
        line), `training_config`, `training_backend`,
        `training_wall_time_seconds`, `training_machine` and `fields`.
    """
    import keras

    record = {}
    if command is not None:
        record["training_command"] = "keras-attention " + shlex.join(list(command))
    return {
        **record,
        "training_config": dataclasses.asdict(config),
        "training_backend": keras.config.backend(),
        "training_wall_time_seconds": round(float(wall_time_seconds), 1),
        "training_machine": f"{platform.machine()}, {_cpu_count()} CPU cores",
        **fields,
    }


def _cpu_count():
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


class TrainingRun:
    """One run of a training recipe: seeds, times, fits, records, saves.

    Args:
        config: a `TrainingConfig`.
        command: the command-line arguments after `keras-attention`, kept
            in the record; None when trained from Python.
        seed: the seed given to `keras.utils.set_random_seed` (default:
            `config.seed`; cross-validation seeds each fold anew).

    Attributes:
        seconds: wall time from the start to the end of `fit()` (data
            loading, building and training; not the evaluation after).
    """

    def __init__(self, config, command=None, seed=None):
        import keras

        keras.utils.set_random_seed(config.seed if seed is None else seed)
        self.config = config
        self.command = command
        self.seconds = None
        self._start = time.perf_counter()
        self._fit_result = None

    def fit(self, task, train_data, validation_data, monitor, mode="min"):
        """`fit()` with this run's config; stops the clock. Returns its dict."""
        self._fit_result = fit(
            task, train_data, validation_data, self.config, monitor, mode
        )
        self.seconds = time.perf_counter() - self._start
        return self._fit_result

    def finish(self, task, splits, description, training_data, **fields):
        """The training record; the preset written when `config.output` is set.

        Args:
            task: the trained task.
            splits: `(train, validation, test)`, each `(inputs, targets)`.
            description: the preset's description unless the config gives
                one.
            training_data: what the data were (file, size, source).
            **fields: the application's entries: metrics, and `result`, a
                one-line summary of the held-out score.

        Returns:
            `TrainingResult(task, record)`.
        """
        record = training_record(
            self.config,
            self.command,
            self.seconds,
            description=self.config.description or description,
            training_data=training_data,
            split_sizes=split_sizes(*splits),
            split_seed=self.config.seed,
            epochs_run=self._fit_result["epochs_run"],
            best_epoch=self._fit_result["best_epoch"],
            params=task.count_params(),
            **fields,
        )
        if self.config.output is not None:
            task.save_to_preset(self.config.output, metadata=record)
        return TrainingResult(task, record)


def summary_line(record):
    """One line about a finished training, from its record.

    Example:
    >>> summary_line(record)
    '548,674 parameters, best epoch 12/12, accuracy 74.6% (held-out), 136 s training'
    """
    return (
        f"{record['params']:,} parameters, best epoch "
        f"{record['best_epoch']}/{record['epochs_run']}, "
        f"{record.get('result', 'no test split')}, "
        f"{record['training_wall_time_seconds']:.0f} s training"
    )
