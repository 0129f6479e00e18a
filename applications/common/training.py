"""The skeleton every training recipe shares: batches, the fit loop with a
best checkpoint and early stopping, and the training record kept in a preset.

An application's `train(config, command)` opens a `TrainingRun`, loads and
splits its data, builds and compiles its task, then fits and finishes:

>>> run = TrainingRun(config, command, backbone_cls=Backbone)  # seeds, clock
>>> result = run.fit(task, run.batches(train, shuffle=True),
...                  run.batches(validation), monitor="val_loss")
>>> return run.finish(task, (train, validation, test), "a default description",
...                   "the data", test_accuracy=0.98, result="accuracy 98.0%")
"""

import dataclasses
import os
import platform
import random
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

    A preset written under `runs/` itself (`--output runs/<name>`) would hold
    that file, and a preset directory may hold nothing else: its checkpoint
    goes beside it instead, `runs/<name>.run/best.weights.h5`.

    Args:
        output: the preset directory being trained, or None.
        name: the directory name under `runs/` when `output` is None.

    Returns:
        `pathlib.Path` of the best-weights checkpoint.
    """
    if output is None:
        return Path("runs") / name / "best.weights.h5"
    output = Path(output).resolve()
    directory = Path("runs") / output.name
    if directory.resolve().is_relative_to(output):
        directory = output.parent / f"{output.name}.run"
    return directory / "best.weights.h5"


def backup_directory(checkpoint_path):
    """The per-epoch backup of a run, beside its best-weights checkpoint:
    `runs/<name>/best.weights.h5` -> `runs/<name>/best.backup`."""
    checkpoint_path = Path(checkpoint_path)
    stem = checkpoint_path.name.removesuffix(".weights.h5")
    return checkpoint_path.with_name(f"{stem}.backup")


def check_preset_reloads(task, preset_dir, inputs, targets, count=2):
    """Loads a saved preset back and checks that it predicts as `task` does.

    Both run their own preprocessor (so a vocabulary that does not survive
    its file, or a missing head, shows) on the first `count` examples, each
    with Python's `random` seeded alike (and restored after), so that a
    preprocessor that draws at random in Python (a masked LM's masking)
    draws the same for both.

    Args:
        task: the task that was saved.
        preset_dir: the preset directory written from it.
        inputs, targets: training examples (as `fit()` takes them).
        count: how many examples to compare.

    Raises:
        ValueError: if the preset does not load, naming the file (from
            `from_preset`), or its outputs differ from the task's.
    """
    import keras
    import numpy as np

    def first(values):
        if isinstance(values, tuple):
            return tuple(first(value) for value in values)
        return values[:count]

    inputs, targets = first(inputs), first(targets)
    loaded = type(task).from_preset(preset_dir)

    def outputs(model):
        random.seed(0)
        batch = model.preprocessor(inputs, targets)
        x, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
        y = model(x, training=False)
        return np.asarray(keras.ops.convert_to_numpy(y), dtype="float64")

    state = random.getstate()
    try:
        expected, found = outputs(task), outputs(loaded)
    finally:
        random.setstate(state)
    difference = np.inf
    if expected.shape == found.shape:
        difference = float(np.max(np.abs(expected - found)))
    if not difference <= 1e-4 * max(1.0, float(np.max(np.abs(expected)))):
        raise ValueError(
            f"The preset written to {str(preset_dir)!r} does not reproduce the "
            f"trained {type(task).__name__}: on {len(expected)} training "
            f"examples its outputs (shape {found.shape}) differ from the "
            f"trained model's (shape {expected.shape}) by up to {difference:.3g}."
        )


def batches(
    inputs,
    targets,
    batch_size,
    seed=None,
    map_examples=None,
    map_batches=None,
    drop_remainder=False,
    lengths=None,
    num_buckets=1,
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
        drop_remainder: whether to leave out a last, smaller batch.
        lengths: N example lengths (any unit), for `num_buckets`.
        num_buckets: with `lengths`, K > 1 groups the examples into K
            buckets of similar length (split at the quantiles of
            `lengths`) and draws every batch from one bucket (after the
            shuffle: batches stay random, and an epoch ends with up to K
            smaller batches): less padding per batch, as fairseq and
            tensor2tensor batch by length (`tf.data`'s
            `bucket_by_sequence_length`).

    Returns:
        `tf.data.Dataset`.
    """
    import numpy as np
    import tensorflow as tf

    if isinstance(inputs, (np.ndarray, tuple)):
        features = inputs
    else:
        features = list(inputs)
    bucketed = lengths is not None and num_buckets > 1
    columns = (features, np.asarray(targets))
    if bucketed:
        lengths = np.asarray(lengths, "int32")
        if lengths.shape != (len(targets),):
            raise ValueError(
                f"`lengths` must hold one length per example ({len(targets)}). "
                f"Received: shape {lengths.shape}"
            )
        columns += (lengths,)
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if seed is not None:
        dataset = dataset.shuffle(len(targets), seed=seed)
    if map_examples is not None:
        dataset = dataset.map(lambda x, y, *length: (*map_examples(x, y), *length))
    if bucketed:
        quantiles = np.quantile(lengths, np.arange(1, num_buckets) / num_buckets)
        boundaries = sorted({int(q) + 1 for q in quantiles})
        dataset = dataset.bucket_by_sequence_length(
            lambda x, y, length: length,
            boundaries,
            [batch_size] * (len(boundaries) + 1),
            no_padding=True,
            drop_remainder=drop_remainder,
        ).map(lambda x, y, length: (x, y))
    else:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if map_batches is not None:
        dataset = dataset.map(map_batches)
    return dataset


def fit(
    task,
    train_data,
    validation_data,
    config,
    monitor,
    mode="min",
    checkpoint_path=None,
    backup_dir=None,
    callbacks=(),
):
    """Trains `task` as `config` says and keeps the best (or last) weights.

    Args:
        task: a compiled task.
        train_data: batches for `fit()` (see `batches()`).
        validation_data: batches, or None.
        config: a `TrainingConfig` (epochs, patience, checkpoint, ...).
        monitor: the logged quantity that picks the best epoch (e.g.
            `"val_loss"`); None trains all epochs and keeps the last weights.
        mode: `"min"` or `"max"`: whether smaller or larger is better.
        checkpoint_path: the best-weights file (default: `config.checkpoint`,
            else `runs/<output name or task class>/best.weights.h5`).
        backup_dir: where to back up the run every epoch, and resume from
            (see `fit_with_best_checkpoint`); None: no backup.
        callbacks: more Keras callbacks (see `fit_with_best_checkpoint`).

    Returns:
        dict: `history`, `best_epoch` (1-based), `epochs_run`,
        `resumed_from_epoch`, `epoch_seconds` and, with a `monitor`,
        `best_value`.
    """
    return fit_with_best_checkpoint(
        task,
        train_data,
        validation_data=validation_data,
        epochs=config.epochs,
        checkpoint_path=checkpoint_path
        or config.checkpoint
        or default_checkpoint_path(config.output, type(task).__name__),
        monitor=monitor,
        mode=mode,
        patience=config.patience,
        steps_per_epoch=config.steps_per_epoch,
        verbose=config.verbose,
        backup_dir=backup_dir,
        callbacks=callbacks,
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
    backup_dir=None,
    callbacks=(),
):
    """Trains with Keras' progress bar, keeps the best weights, restores them.

    A `ModelCheckpoint` writes the weights whenever `monitor` improves
    (replacing the file in one step: `resume.AtomicModelCheckpoint`); with
    `patience`, `keras.callbacks.EarlyStopping` ends training after that many
    epochs without improvement. The best weights are loaded back into
    `model` at the end. With `monitor=None`, all `epochs` are trained and
    the last weights kept (no checkpoint).

    With `backup_dir`, the run is backed up at the end of every epoch
    (`resume.TrainingBackup`, Keras' `BackupAndRestore`): if `backup_dir`
    already holds a backup, training continues from its last completed
    epoch (skipped entirely when that run had finished training), with the
    best score and patience it had, and `history` holds every epoch. The
    backup is kept afterwards; delete it once the results are safe.

    Args:
        model: a compiled `keras.Model` (e.g. a keras-hub task).
        train_data: what `model.fit()` takes as `x` (e.g. a `tf.data.Dataset`
            of `(x, y)` batches).
        validation_data: optional validation data for `fit()`.
        epochs: the most epochs to train.
        checkpoint_path: where to write the best weights (`.weights.h5`).
        monitor: the logged quantity to watch, e.g. `"val_loss"`; None:
            keep the last weights.
        mode: `"min"` or `"max"`, whether smaller or larger is better.
        patience: epochs without improvement before stopping; None trains
            all `epochs`.
        steps_per_epoch: optional cap on batches per epoch.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
        backup_dir: the directory of the per-epoch backup; None: none.
        callbacks: more Keras callbacks, run before the checkpoint and the
            backup (so what they log is saved). `StepTime` always runs: the
            history's `step_ms` is the training time per step of each epoch.

    Returns:
        dict: `history` (the `History.history` dict), `best_epoch` (1-based)
        and `best_value` of `monitor`, `epochs_run`, `resumed_from_epoch`
        (0 for a fresh run) and `epoch_seconds` (wall time of each epoch).
    """
    import keras

    from applications.common.callbacks import StepTime
    from applications.common.resume import (
        AtomicModelCheckpoint,
        TrainingBackup,
        epochs_done,
    )

    checkpoint_path = Path(checkpoint_path)
    if not checkpoint_path.name.endswith(".weights.h5"):
        raise ValueError(
            "`checkpoint_path` must end in '.weights.h5'. "
            f"Received: checkpoint_path={str(checkpoint_path)!r}"
        )
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'min' or 'max'. Received: mode={mode!r}")
    callbacks, checkpoint, early_stopping = [StepTime(), *callbacks], None, None
    if monitor is not None:
        checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        checkpoint = AtomicModelCheckpoint(
            str(checkpoint_path),
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            verbose=verbose,
        )
        callbacks.append(checkpoint)
        if patience is not None:
            early_stopping = keras.callbacks.EarlyStopping(
                monitor=monitor, mode=mode, patience=patience
            )
            callbacks.append(early_stopping)
    backup, initial_epoch = None, 0
    if backup_dir is not None:
        # Last: it saves after the checkpoint and early stopping have seen
        # the epoch, and restores their state after they reset it.
        backup = TrainingBackup(backup_dir, monitor, mode, checkpoint, early_stopping)
        initial_epoch = backup.restore(model)
        callbacks.append(backup)
        if initial_epoch and verbose:
            print(
                f"Resuming from {str(backup_dir)!r}: {epochs_done(initial_epoch)}"
                + (", training finished" if backup.finished else ""),
                flush=True,
            )
    if backup is not None and backup.finished:
        history = backup.history()
    else:
        history = model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            callbacks=callbacks,
            verbose=verbose,
            # Shuffle in the input pipeline (e.g. `Dataset.shuffle`); Keras
            # cannot shuffle a dataset and warns when asked to.
            shuffle=False,
        ).history
        if backup is not None:
            history = backup.history()
    epochs_run = len(history.get("loss", []))
    result = {
        "history": history,
        "epochs_run": epochs_run,
        "best_epoch": epochs_run,
        "resumed_from_epoch": initial_epoch,
        "epoch_seconds": list(backup.epoch_seconds) if backup else None,
    }
    if monitor is None:
        return result
    if monitor not in history:
        raise ValueError(
            f"`monitor={monitor!r}` was not logged during training. Logged: "
            f"{sorted(history)}"
        )
    values = history[monitor]
    best_index = max(range(len(values)), key=lambda i: values[i] * _sign(mode))
    if not checkpoint_path.is_file():
        raise FileNotFoundError(
            f"The best-weights checkpoint {str(checkpoint_path)!r} is missing "
            f"(expected the weights of epoch {best_index + 1})."
        )
    model.load_weights(str(checkpoint_path))
    result.update(best_epoch=best_index + 1, best_value=float(values[best_index]))
    return result


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


def with_given_splits(config, splits, load):
    """`splits` with the validation and test splits the config gives as
    files (`--validation-data`, `--test-data`) read from them.

    Args:
        config: a `TrainingConfig` (see `given_split_file`).
        splits: `(train, validation, test)` carved from the data with
            `config.split_options()` (so a given split came out empty).
        load: `load(path)` -> the split, in the type of `splits`' entries.

    Returns:
        `(train, validation, test)`.
    """
    splits = list(splits)
    for index, split in ((1, "validation"), (2, "test")):
        path = config.given_split_file(split)
        if path:
            splits[index] = load(path)
    return tuple(splits)


def split_sizes(train, validation, test):
    """`{"train": n, "validation": n, "test": n}` of `(inputs, targets)` splits."""
    return {
        "train": len(train[0]),
        "validation": len(validation[0]),
        "test": len(test[0]),
    }


class TrainingRun:
    """One run of a training recipe: seeds, distributes, times, fits,
    records, saves.

    Args:
        config: a `TrainingConfig`.
        command: the command-line arguments after `keras-attention`, kept
            in the record; None when trained from Python.
        seed: the seed given to `keras.utils.set_random_seed` (default:
            `config.seed`; cross-validation seeds each fold anew).
        backbone_cls: the backbone class, whose `get_layout_map()` shards
            the weights under `config.distribution="model"`.
        resumable: whether the run writes `config.output` as its preset and
            keeps a backup to resume from (False for the folds of a
            cross-validation, whose `output` is a report).

    Before anything else, the run checks where it will write (see
    `_run_files`): an existing `output` needs `config.overwrite`; a path
    under a file or in a directory that cannot be written fails now, not
    after training; an earlier run's checkpoint or unfinished backup is
    replaced only with `overwrite`, or continued with `config.resume`.

    With `config.distribution`, the `keras.distribution` it asks for is set
    from here (before the task is built, so that its weights are laid out
    on the devices) until `finish()`.

    Attributes:
        seconds: wall time from the start to the end of `fit()` (data
            loading, building and training; not the evaluation after).
        distribution: the `keras.distribution.Distribution`, or None.

    Raises:
        ValueError: for a distribution the backend or devices cannot give,
            or a model or batch that does not divide over the mesh.
    """

    def __init__(
        self, config, command=None, seed=None, backbone_cls=None, resumable=True
    ):
        import keras

        self.config = config
        self.command = command
        self.seconds = None
        self.checkpoint_path, self.backup_dir = self._run_files(resumable)
        self.distribution = None
        self._previous_distribution = keras.distribution.distribution()
        self._devices = {}
        if config.distribution is not None:  # before JAX computes anything
            self.distribution = _distribute(config, backbone_cls)
            mesh = self.distribution.device_mesh
            self._devices = {
                "distribution": type(self.distribution).__name__,
                "mesh": dict(zip(mesh.axis_names, map(int, mesh.shape))),
                "devices": [str(device) for device in mesh.devices.flatten()],
            }
        keras.utils.set_random_seed(config.seed if seed is None else seed)
        self._start = time.perf_counter()
        self._fit_result = None
        self._description = None

    def _run_files(self, resumable):
        """Checks the output, checkpoint and backup before training.

        Returns:
            `(checkpoint_path, backup_dir)`: the best-weights file and the
            per-epoch backup beside it (`<checkpoint name>.backup`, e.g.
            `runs/<output name>/best.backup`); without `output` or
            `checkpoint`, both in a temporary directory deleted by
            `finish()`. `(None, None)` when not `resumable`.
        """
        from applications.common.presets import check_preset_destination
        from applications.common.resume import check_run_files

        config = self.config
        self._scratch = None
        if not resumable:
            return None, None
        if config.output is not None:
            check_preset_destination(config.output, overwrite=config.overwrite)
        if config.checkpoint is None and config.output is None:
            if config.resume:
                raise ValueError(
                    "`resume` (--resume) needs `output` (--output) or `checkpoint` "
                    "(--checkpoint): the backup to resume is kept beside the "
                    "checkpoint. Received: output=None, checkpoint=None"
                )
            import tempfile

            self._scratch = Path(tempfile.mkdtemp(prefix="keras-attention-run-"))
            checkpoint = self._scratch / "best.weights.h5"
        else:
            checkpoint = Path(
                config.checkpoint or default_checkpoint_path(config.output)
            )
            if config.output is not None and checkpoint.resolve().is_relative_to(
                Path(config.output).resolve()
            ):
                raise ValueError(
                    f"`checkpoint` (--checkpoint) {str(checkpoint)!r} is inside "
                    f"`output` (--output) {config.output!r}, and a preset "
                    "directory holds only the preset's files. Expected a "
                    "checkpoint outside it (the default is "
                    f"{str(default_checkpoint_path(config.output))!r})."
                )
        backup_dir = backup_directory(checkpoint)
        check_run_files(checkpoint, backup_dir, config.resume, config.overwrite)
        return checkpoint, backup_dir

    def batches(self, split, shuffle=False, **maps):
        """`batches()` of an `(inputs, targets)` split with the config's batch
        size, shuffled with its seed when `shuffle`.

        Under a distribution every batch is whole (Keras splits each batch
        evenly over the mesh's batch axis): the last, smaller batch of a
        split is left out (a different one each epoch when shuffled).

        Raises:
            ValueError: under a distribution, for a split smaller than a batch.
        """
        whole = self.distribution is not None
        if whole and len(split[1]) < self.config.batch_size:
            raise ValueError(
                f"Under --distribution every batch is whole, and a split of "
                f"{len(split[1])} examples is smaller than --batch-size "
                f"{self.config.batch_size}. Use a smaller batch size or more data."
            )
        seed = self.config.seed if shuffle else None
        return batches(
            *split, self.config.batch_size, seed=seed, drop_remainder=whole, **maps
        )

    def describe(self, data, sizes, unit="examples", training=None):
        """What `fit()` prints first (with `verbose`), in one block: the
        data, each split's size and source, the vocabularies (learned and
        asked), the parameters, the training and the device.

        Args:
            data: what the data are (file, size, source).
            sizes: `{"train": n, "validation": n, "test": n}`.
            unit: what the sizes count (`"examples"`, `"pairs"`, ...).
            training: a line on the training to come, or None.
        """
        self._description = (data, sizes, unit, training)

    def summary(self, task):
        """The block `describe()` set up, for `task` (a string)."""
        import keras

        data, sizes, unit, training = self._description
        sources = self.config.split_sources() or {}
        splits = ", ".join(
            f"{split} {count:,}"
            + (
                f" ({sources[split]})"
                if split != "train" and sources.get(split)
                else ""
            )
            for split, count in sizes.items()
        )
        lines = [f"data        {data}", f"splits      {splits} {unit}"]
        vocabularies = [
            _vocabulary_line(name, tokenizer, self.config)
            for name, tokenizer in task_tokenizers(task)
        ]
        if vocabularies:
            lines.append("vocabulary  " + "; ".join(vocabularies))
        lines.append(
            f"model       {type(task).__name__}, {task.count_params():,} parameters"
        )
        if training:
            lines.append(f"training    {training}")
        lines.append(f"device      {keras.config.backend()} on {device_names()}")
        return "\n".join(lines)

    def fit(self, task, train_data, validation_data, monitor, mode="min", callbacks=()):
        """`fit()` with this run's config (and more `callbacks`), after the
        `describe()`d summary; stops the clock and gives back the
        distribution (evaluation runs on the trained, possibly sharded,
        weights with batches of any size). Returns `fit()`'s dict."""
        if self._description is not None and self.config.verbose:
            print(self.summary(task), flush=True)
        self._fit_result = fit(
            task,
            train_data,
            validation_data,
            self.config,
            monitor,
            mode,
            checkpoint_path=self.checkpoint_path,
            backup_dir=self.backup_dir,
            callbacks=callbacks,
        )
        self.seconds = time.perf_counter() - self._start
        self.close()
        return self._fit_result

    def finish(self, task, splits, description, training_data, **fields):
        """The training record; the preset written when `config.output` is set.

        The new preset is loaded back and its outputs on training examples
        compared with the task's (`check_preset_reloads`) before it replaces
        anything at `config.output`; then the run's backup is deleted. A
        resumed run's record says `resumed_from_epoch`.

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
        resumed = {}
        seconds = self.seconds
        resumed_from = self._fit_result.get("resumed_from_epoch") or 0
        if resumed_from:
            # The killed run's epochs count in the wall time.
            seconds += sum(self._fit_result["epoch_seconds"][:resumed_from])
            resumed = {"resumed_from_epoch": resumed_from}
        record = training_record(
            self.config,
            self.command,
            seconds,
            **resumed,
            description=self.config.description or description,
            training_data=training_data,
            split_sizes=split_sizes(*splits),
            split_seed=self.config.seed,
            **_split_sources(self.config),
            epochs_run=self._fit_result["epochs_run"],
            best_epoch=self._fit_result["best_epoch"],
            params=task.count_params(),
            **({"training_devices": self._devices} if self._devices else {}),
            **fields,
            # Per-epoch losses and metrics, for curves (e.g. docs/images).
            history={
                key: [round(float(value), 4) for value in values]
                for key, values in self._fit_result["history"].items()
            },
        )
        if self.config.output is not None:
            # Loaded back and checked before it replaces anything.
            task.save_to_preset(
                self.config.output,
                metadata=record,
                check=lambda directory: check_preset_reloads(
                    task, directory, *splits[0]
                ),
            )
        self._discard_run_files()
        self.close()
        return TrainingResult(task, record)

    def _discard_run_files(self):
        """Deletes the backup (the results are safe) and any scratch files."""
        import shutil

        if self.backup_dir is not None and self.backup_dir.exists():
            shutil.rmtree(self.backup_dir)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def close(self):
        """Gives back the `keras.distribution` that was set before the run."""
        if self.distribution is not None:
            import keras

            keras.distribution.set_distribution(self._previous_distribution)
            self.distribution = None


def task_tokenizers(task):
    """`(name, tokenizer)` of a task's preprocessor: `("", tokenizer)`, or
    the translator's `("source", ...)` and `("target", ...)`; none for a
    task without a tokenizer."""
    preprocessor = getattr(task, "preprocessor", None)
    tokenizer = getattr(preprocessor, "tokenizer", None)
    if tokenizer is None:
        return []
    target = getattr(preprocessor, "target_tokenizer", None)
    if target is None or target is tokenizer:
        return [("", tokenizer)]
    return [("source", tokenizer), ("target", target)]


def _vocabulary_line(name, tokenizer, config):
    """`"source 1,229 tokens (asked 3,500: the training data have fewer)"`;
    with `config.preset` the count alone (a trained preset brings its
    vocabulary, which no size was asked for)."""
    learned = tokenizer.vocabulary_size()
    if getattr(config, "preset", None):
        return f"{name + ' ' if name else ''}{learned:,} tokens"
    asked = getattr(
        config, f"{name}_vocabulary_size" if name else "vocabulary_size", None
    )
    if asked is None and not name:  # the translator's shared vocabulary
        asked = getattr(config, "target_vocabulary_size", None)
    line = f"{name + ' ' if name else ''}{learned:,} tokens"
    if isinstance(asked, int) and learned < asked:
        line += f" (asked {asked:,}: the training data have fewer)"
    return line


def device_names():
    """The devices Keras computes on, e.g. `"cpu:0"`."""
    import keras

    try:
        return ", ".join(map(str, keras.distribution.list_devices()))
    except AttributeError:  # torch: keras.distribution does not list devices
        return str(keras.ops.convert_to_tensor(0).device)


def _split_sources(config):
    """`{"split_sources": ...}` for the record, when the config says."""
    sources = config.split_sources()
    return {} if sources is None else {"split_sources": sources}


def _distribute(config, backbone_cls):
    """Sets the `keras.distribution` `config` asks for and returns it."""
    import keras

    from applications.common.distribution import make_distribution

    get_layout_map = getattr(backbone_cls, "get_layout_map", None)
    if config.distribution == "model" and get_layout_map is None:
        raise ValueError(
            "--distribution model needs a backbone with `get_layout_map()`. "
            f"Received: {backbone_cls!r}"
        )
    distribution = make_distribution(
        config.distribution, get_layout_map, config.mesh, config.model_parallel
    )
    mesh = dict(
        zip(distribution.device_mesh.axis_names, distribution.device_mesh.shape)
    )
    batch_devices = mesh["batch"]
    if config.batch_size % batch_devices:
        raise ValueError(
            f"`batch_size` (--batch-size) must be divisible by the {batch_devices} "
            f"devices of the mesh's batch axis. Received: {config.batch_size}"
        )
    check = getattr(config, "check_model_shards", None)
    if check is not None:
        check(mesh.get("model", 1))
    keras.distribution.set_distribution(distribution)
    return distribution


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
