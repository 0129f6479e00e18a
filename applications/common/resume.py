"""Resumable training: a backup of the run at the end of every epoch.

`fit_with_best_checkpoint(..., backup_dir=...)` (in `training.py`) adds a
`TrainingBackup` callback: Keras' `BackupAndRestore` writes the weights (with
the optimizer's state, so a learning-rate schedule goes on where it was) and
the number of completed epochs; this subclass also keeps every epoch's logs
and wall time in `state.json`, from which a resumed run restores the best
score of its checkpoint and the patience of its early stopping, and returns
the history of all epochs, before and after the interruption.

The backup lives beside the best checkpoint (`runs/<output name>/best.backup`).
It is kept after training, marked finished, until the training recipe has
written its preset (`TrainingRun.finish` deletes it), so a run killed while
it evaluates or saves loses no epoch either: resumed, it skips training.

What a resume does not restore: the order in which `tf.data` shuffles (the
first resumed epoch draws the order of a first epoch) and the dropout
random state, so a resumed run is not bitwise the uninterrupted one.
"""

import json
import shutil
import time
from pathlib import Path

import keras

from applications.common.files import check_destination, stray_siblings, write_json

STATE_FILE = "state.json"


class TrainingBackup(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that also keeps the history.

    The restore happens before `fit()` (`restore(model)` returns the epoch
    to pass as `fit(initial_epoch=...)`), so the callback itself only saves.
    At the end of an epoch it writes `state.json` first (the logs of every
    epoch), then Keras' backup (`latest.weights.h5`, the previous one kept as
    `.bkp`, and `training_metadata.json`). A kill between the two leaves one
    epoch more in `state.json` than in the weights; `restore` cuts it.

    Args:
        backup_dir: the backup directory (created at the first epoch's end).
        monitor, mode: the quantity that picks the best epoch, and whether
            smaller (`"min"`) or larger is better; None: no best epoch.
        checkpoint: the `ModelCheckpoint` whose best score to restore.
        early_stopping: the `EarlyStopping` whose patience to restore.

    Attributes:
        logs: list of each completed epoch's logs (dicts of floats).
        epoch_seconds: each completed epoch's wall time.
        finished: whether `fit()` ran to its end (all epochs, or stopped
            early) before the backup was written.
        resumed_from_epoch: the number of epochs restored (0: a fresh run).
    """

    def __init__(
        self, backup_dir, monitor=None, mode="min", checkpoint=None, early_stopping=None
    ):
        super().__init__(
            str(backup_dir), double_checkpoint=True, delete_checkpoint=False
        )
        self.directory = Path(backup_dir)
        self.monitor = monitor
        self.mode = mode
        self.checkpoint = checkpoint
        self.early_stopping = early_stopping
        self.logs, self.epoch_seconds, self.finished = [], [], False
        self.resumed_from_epoch = 0
        self._epoch_start = None

    @property
    def state_path(self):
        return self.directory / STATE_FILE

    def restore(self, model):
        """Loads the backup into `model`; returns the epochs it completed.

        Keras' backup is read as `BackupAndRestore` reads it, the previous
        epoch's copy taken when the latest weights cannot be read (killed
        while writing them).

        Returns:
            int: the epoch to start from (0 when there is no backup).
        """
        self.set_model(model)
        if not Path(self._weights_path).is_file():
            return 0
        self._take_previous_if_unreadable()
        # `BackupAndRestore.on_train_begin` restores the weights and the
        # optimizer (falling back on the `.bkp` copy); it also sets the
        # model's private start epoch, which `fit(initial_epoch=...)` sets
        # from the same file, so nothing outlives this call.
        try:
            super().on_train_begin()
        except (OSError, ValueError) as error:
            raise ValueError(
                f"Cannot resume from the backup {str(self.directory)!r}: {error}. "
                "Expected the same model options as the interrupted run; give "
                "--overwrite to start over instead."
            ) from error
        model._initial_epoch = None  # noqa: SLF001 - see above
        epoch = read_completed_epochs(self.directory)
        state = read_state(self.directory)
        if len(state["logs"]) < epoch:
            raise ValueError(
                f"Backup {str(self.state_path)!r} records {len(state['logs'])} "
                f"epochs, but the weights backup {epoch}: the backup is damaged. "
                "Delete the directory (or give --overwrite) to start over."
            )
        self.logs = state["logs"][:epoch]
        self.epoch_seconds = state["epoch_seconds"][:epoch]
        self.finished = state["finished"] and len(state["logs"]) == epoch
        self.resumed_from_epoch = epoch
        self._restore_best()
        return epoch

    def _take_previous_if_unreadable(self):
        """Mends a backup whose latest epoch count cannot be read (killed
        while Keras wrote it, after the weights): takes the previous epoch's
        copy, or, for the first epoch (no copy yet), counts that epoch, whose
        weights are whole and whose logs `state.json` already holds."""
        try:
            read_completed_epochs(self.directory)
            return
        except ValueError:
            previous = (self._prev_weights_path, self._prev_training_metadata_path)
            if all(Path(path).is_file() for path in previous):
                shutil.copyfile(self._prev_weights_path, self._weights_path)
                shutil.copyfile(
                    self._prev_training_metadata_path, self._training_metadata_path
                )
            elif not any(Path(path).exists() for path in previous) and (
                len(read_state(self.directory)["logs"]) == 1
            ):
                write_json(self._training_metadata_path, {"epoch": 1, "batch": 0})
            else:
                raise

    def _restore_best(self):
        """The best score so far, for the checkpoint and early stopping."""
        values = [logs.get(self.monitor) for logs in self.logs]
        if self.monitor is None or not values or None in values:
            return
        sign = 1.0 if self.mode == "max" else -1.0
        best = max(range(len(values)), key=lambda i: values[i] * sign)
        if self.checkpoint is not None:
            self.checkpoint.best = values[best]
        self._early_stopping_state = {
            "best": values[best],
            "best_epoch": best,
            "wait": len(values) - 1 - best,
        }

    def on_train_begin(self, logs=None):
        # Restored by `restore()` before `fit()`; early stopping resets its
        # own state here, so put back the restored patience now.
        state = getattr(self, "_early_stopping_state", None)
        if self.early_stopping is not None and state is not None:
            for name, value in state.items():
                setattr(self.early_stopping, name, value)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append({key: float(value) for key, value in (logs or {}).items()})
        self.epoch_seconds.append(time.perf_counter() - self._epoch_start)
        self._write_state(finished=False)
        super().on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        self.finished = True
        self._write_state(finished=True)
        super().on_train_end(logs)

    def _write_state(self, finished):
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json(
            self.state_path,
            {
                "logs": self.logs,
                "epoch_seconds": [round(s, 3) for s in self.epoch_seconds],
                "finished": finished,
            },
        )

    def history(self):
        """The logs of every epoch as `History.history`: name -> list."""
        names = sorted({name for logs in self.logs for name in logs})
        return {name: [logs.get(name) for logs in self.logs] for name in names}


def epochs_done(count):
    """`"1 epoch done"`, `"3 epochs done"`."""
    return f"{count} epoch{'' if count == 1 else 's'} done"


def read_completed_epochs(backup_dir):
    """The epochs a backup completed (Keras' `training_metadata.json`), or 0."""
    path = Path(backup_dir) / "training_metadata.json"
    if not path.is_file():
        return 0
    try:
        return int(json.loads(path.read_text(encoding="utf-8"))["epoch"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"Backup file {str(path)!r} is unreadable ({error}). Delete the "
            "backup directory (or give --overwrite) to start over."
        ) from None


def read_state(backup_dir):
    """`state.json` of a backup: `logs`, `epoch_seconds`, `finished`."""
    path = Path(backup_dir) / STATE_FILE
    state = {"logs": [], "epoch_seconds": [], "finished": False}
    if path.is_file():
        try:
            state.update(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as error:
            raise ValueError(
                f"Backup file {str(path)!r} is not valid JSON ({error}). Delete "
                "the backup directory (or give --overwrite) to start over."
            ) from None
    return state


def has_backup(backup_dir):
    """Whether `backup_dir` holds a weights backup (Keras writes it at the end
    of an epoch, before the epoch count)."""
    return (Path(backup_dir) / "latest.weights.h5").is_file()


def check_run_files(checkpoint_path, backup_dir, resume, overwrite):
    """Before training: an earlier run's checkpoint or backup is not lost.

    - A backup of an interrupted run is continued with `resume`, deleted
      with `overwrite` (starting over), and otherwise an error.
    - An existing checkpoint (the best weights of an earlier run, perhaps of
      another preset of the same name) is replaced only with `overwrite` or
      `resume`.
    - A backup directory without weights is a leftover of a run killed in
      its first epoch: deleted.

    Args:
        checkpoint_path: the run's best-weights file.
        backup_dir: the run's backup directory.
        resume: `config.resume`.
        overwrite: `config.overwrite`.

    Returns:
        bool: whether there is a backup to resume from.

    Raises:
        ValueError: naming the file or directory and the options to give.
    """
    checkpoint_path, backup_dir = Path(checkpoint_path), Path(backup_dir)
    check_destination(checkpoint_path, "--checkpoint", kind="file")
    stem = checkpoint_path.with_name(checkpoint_path.name.removesuffix(".weights.h5"))
    for stray in stray_siblings(stem, suffix=".weights.h5"):
        stray.unlink()  # a checkpoint being written when its run was killed
    if backup_dir.exists() and not has_backup(backup_dir):
        shutil.rmtree(backup_dir)
    if backup_dir.exists():
        if resume:
            return True
        if not overwrite:
            try:
                done = epochs_done(read_completed_epochs(backup_dir))
            except ValueError:
                done = "epoch count unreadable"
            if read_state(backup_dir)["finished"]:
                done += ", training finished, preset not written"
            raise ValueError(
                f"{str(backup_dir)!r} holds the backup of an earlier run that "
                f"did not finish ({done}). Give --resume to continue it, "
                "--overwrite to start over "
                "(deleting it), or --checkpoint for another place."
            )
        shutil.rmtree(backup_dir)
    if checkpoint_path.exists() and not (resume or overwrite):
        raise ValueError(
            f"--checkpoint {str(checkpoint_path)!r} already exists (the best "
            "weights of an earlier run). Give --overwrite to replace it, or "
            "--checkpoint for another path."
        )
    return False


class AtomicModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`keras.callbacks.ModelCheckpoint` whose file is replaced in one step.

    Keras writes the checkpoint in place, so a kill while it writes leaves a
    truncated file and loses the best weights; this one lets Keras write a
    temporary sibling (`.<name>.tmp-<pid>.weights.h5`) and renames it over
    the checkpoint. Takes `ModelCheckpoint`'s arguments; prints its own line
    (with the checkpoint's real name) when `verbose`.
    """

    def __init__(self, filepath, verbose=0, **kwargs):
        import os

        self.final_path = Path(filepath)
        stem = self.final_path.name.removesuffix(".weights.h5")
        temporary = self.final_path.with_name(f".{stem}.tmp-{os.getpid()}.weights.h5")
        super().__init__(str(temporary), verbose=0, **kwargs)
        self.report = verbose

    def on_epoch_end(self, epoch, logs=None):
        import os

        super().on_epoch_end(epoch, logs)
        if os.path.exists(self.filepath):
            os.replace(self.filepath, self.final_path)
            if self.report:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved to "
                    f"{self.best:.5f}; saved the best weights to "
                    f"{str(self.final_path)!r}",
                    flush=True,
                )
