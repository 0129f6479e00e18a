"""Training loses nothing: the output is checked before training, an earlier
run's files are kept unless asked, a killed run resumes (SIGKILL included),
and the preset is loaded back and checked before success is reported."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from applications.cli import main
from applications.common import training
from applications.common.resume import check_run_files

LABELED = ["positive\ta warm witty film", "negative\ta dull long film"] * 6
TINY = ["--num-layers", "1", "--num-heads", "2", "--hidden-dim", "8",
        "--intermediate-dim", "8", "--batch-size", "4", "--verbose", "0"]  # fmt: skip


def _data(tmp_path):
    data = tmp_path / "data.tsv"
    data.write_text("\n".join(LABELED) + "\n", encoding="utf-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("a warm film\tun film chaleureux\n" * 12, encoding="utf-8")
    return {
        "vit": ["--dataset", "digits", "--patch-size", "4"],
        "classifier": ["--data", str(data), "--vocabulary-type", "word"],
        "translator": ["--data", str(pairs)],
    }


@pytest.fixture
def no_training(monkeypatch):
    """Fails the test if a training loop starts."""

    def fit(*args, **kwargs):
        raise AssertionError("training started before the output was checked")

    monkeypatch.setattr(training, "fit_with_best_checkpoint", fit)


def _preset_like(directory):
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{}")
    return directory


BAD_OUTPUTS = {
    "existing preset": (
        lambda t: _preset_like(t / "out"), [],
        r"--output '.*out' already exists. Give --overwrite to replace it",
    ),
    "under a file": (
        lambda t: (t / "file").write_text("x") and t / "file" / "out", [],
        r"--output '.*file/out' cannot be written: '.*file' is a file",
    ),
    "not writable": (
        lambda t: "/proc/keras-attention-out", [],
        r"--output '/proc/keras-attention-out' cannot be written: no file can "
        r"be created in '/proc'",
    ),
    "a file": (
        lambda t: (t / "file").write_text("x") and t / "file", [],
        r"--output '.*file' is a file; expected a directory path",
    ),
    "a directory that is no preset": (
        lambda t: (t / "home" / "src").mkdir(parents=True) or t / "home",
        ["--overwrite"], r"--output '.*home' is an existing directory that is not a",
    ),
}  # fmt: skip


@pytest.mark.parametrize("application", ["vit", "classifier", "translator"])
@pytest.mark.parametrize("case", sorted(BAD_OUTPUTS))
def test_a_bad_output_is_named_before_training(
    tmp_path, capsys, no_training, application, case
):
    make, extra, message = BAD_OUTPUTS[case]
    output = make(tmp_path)
    command = ["train", application, *_data(tmp_path)[application], *TINY,
               "--output", str(output), *extra]  # fmt: skip
    assert main(command) == 1
    error = capsys.readouterr().err
    assert error.startswith("keras-attention: error: ")
    assert __import__("re").search(message, error), error
    assert not (tmp_path / "runs").exists()


def _fake_backup(directory, epochs, finished=False):
    directory.mkdir(parents=True)
    (directory / "latest.weights.h5").write_bytes(b"weights")
    (directory / "training_metadata.json").write_text(json.dumps({"epoch": epochs}))
    state = {"logs": [{"loss": 1.0}] * epochs, "epoch_seconds": [1.0] * epochs,
             "finished": finished}  # fmt: skip
    (directory / "state.json").write_text(json.dumps(state))


def test_an_earlier_runs_checkpoint_and_backup_are_kept_unless_asked(tmp_path):
    checkpoint = tmp_path / "best.weights.h5"
    backup = training.backup_directory(checkpoint)
    assert backup == tmp_path / "best.backup"
    assert check_run_files(checkpoint, backup, resume=False, overwrite=False) is False

    checkpoint.write_bytes(b"the best weights of an earlier run")
    with pytest.raises(ValueError, match=r"--checkpoint '.*best.weights.h5' alre"
                       r"ady exists .* Give --overwrite to replace it"):  # fmt: skip
        check_run_files(checkpoint, backup, resume=False, overwrite=False)
    check_run_files(checkpoint, backup, resume=False, overwrite=True)
    check_run_files(checkpoint, backup, resume=True, overwrite=False)

    _fake_backup(backup, 2, finished=True)
    with pytest.raises(ValueError, match=r"'.*best.backup' holds the backup of an "
                       r"earlier run that did not finish \(2 epochs done, training "
                       r"finished, preset not written\). Give --resume"):  # fmt: skip
        check_run_files(checkpoint, backup, resume=False, overwrite=False)
    assert check_run_files(checkpoint, backup, resume=True, overwrite=False) is True
    assert backup.exists()
    assert check_run_files(checkpoint, backup, resume=False, overwrite=True) is False
    assert not backup.exists()  # --overwrite: start over

    backup.mkdir()  # killed in its first epoch: nothing to resume
    (backup / "state.json").write_text('{"logs": [{"loss": 1.0}]}')
    check_run_files(checkpoint, backup, resume=False, overwrite=True)
    assert not backup.exists()


def test_resume_needs_a_place_for_the_backup():
    from applications.vision_transformer.training import (
        VisionTransformerTrainingConfig,
    )

    config = VisionTransformerTrainingConfig(dataset="digits", resume=True)
    with pytest.raises(ValueError, match=r"`resume` \(--resume\) needs `output`"):
        training.TrainingRun(config)


def test_the_default_checkpoint_is_never_inside_the_preset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    assert training.default_checkpoint_path("presets/vit") == (
        runs / "vit" / "best.weights.h5"
    ).relative_to(tmp_path)
    # A preset written under runs/ keeps its checkpoint beside it, not inside.
    assert training.default_checkpoint_path("runs/vit") == runs / "vit.run" / (
        "best.weights.h5"
    )
    assert training.default_checkpoint_path("runs") == tmp_path / "runs.run" / (
        "best.weights.h5"
    )
    assert training.default_checkpoint_path(None, "BERT") == (
        runs / "BERT" / "best.weights.h5"
    ).relative_to(tmp_path)


def test_a_checkpoint_inside_the_output_is_named_before_training(
    tmp_path, capsys, no_training
):
    output = tmp_path / "vit"
    inside = output / "best.weights.h5"
    command = ["train", "vit", *_data(tmp_path)["vit"], *TINY, "--output",
               str(output), "--checkpoint", str(inside)]  # fmt: skip
    assert main(command) == 1
    error = capsys.readouterr().err
    assert "--checkpoint" in error and "is inside `output` (--output)" in error, error
    assert not output.exists()


def test_a_preset_written_under_runs_is_saved(tmp_path, monkeypatch, capsys):
    from applications.vision_transformer.task import VisionTransformer

    monkeypatch.chdir(tmp_path)
    command = ["train", "vit", *_data(tmp_path)["vit"], *TINY, "--epochs", "1",
               "--output", "runs/vit_digits"]  # fmt: skip
    assert main(command) == 0, capsys.readouterr().err
    assert (tmp_path / "runs" / "vit_digits.run" / "best.weights.h5").is_file()
    assert sorted(os.listdir(tmp_path / "runs")) == ["vit_digits", "vit_digits.run"]
    VisionTransformer.from_preset(str(tmp_path / "runs" / "vit_digits"))


def _batches():
    """Four batches of 8 (x, y) pairs."""
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(32, 3))
    return tf.data.Dataset.from_tensor_slices((x, _target(x))).batch(8)


def _target(x):
    return x @ np.array([[1.0], [2.0], [3.0]])  # learned steadily: val_loss falls


def _model(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    return model


def _fit_options(tmp_path):
    x_val = np.random.default_rng(1).normal(size=(8, 3))
    return dict(
        validation_data=(x_val, _target(x_val)), epochs=5, monitor="val_loss",
        verbose=0, checkpoint_path=tmp_path / "best.weights.h5",
        backup_dir=tmp_path / "backup",
    )  # fmt: skip


def _interrupt_after_epochs(monkeypatch, data, options, epochs=2):
    """A fit that dies right after the backup of its `epochs`-th epoch."""
    from applications.common.resume import TrainingBackup

    back_up = TrainingBackup.on_epoch_end

    def killed_after(self, epoch, logs=None):
        back_up(self, epoch, logs)
        if epoch == epochs - 1:
            raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(TrainingBackup, "on_epoch_end", killed_after)
        with pytest.raises(RuntimeError, match="killed"):
            training.fit_with_best_checkpoint(_model(0), data, **options)


def _count_epochs(monkeypatch):
    """The list of the (1-based) epochs trained from now on."""
    from applications.common.resume import TrainingBackup

    trained, begin = [], TrainingBackup.on_epoch_begin

    def counted(self, epoch, logs=None):
        trained.append(epoch + 1)
        begin(self, epoch, logs)

    monkeypatch.setattr(TrainingBackup, "on_epoch_begin", counted)
    return trained


def test_an_interrupted_fit_resumes_from_its_last_completed_epoch(
    tmp_path, monkeypatch
):
    data, options = _batches(), _fit_options(tmp_path)
    _interrupt_after_epochs(monkeypatch, data, options)
    state = json.loads((tmp_path / "backup" / "state.json").read_text())
    assert len(state["logs"]) == 2 and not state["finished"]

    trained = _count_epochs(monkeypatch)
    model = _model(1)  # other initial weights: the backup's come back
    result = training.fit_with_best_checkpoint(model, data, **options)
    assert result["resumed_from_epoch"] == 2
    assert trained == [3, 4, 5]  # the epochs before: not retrained
    assert result["epochs_run"] == 5 and len(result["history"]["val_loss"]) == 5
    assert result["history"]["val_loss"][:2] == [
        logs["val_loss"] for logs in state["logs"]
    ]  # fmt: skip
    values = result["history"]["val_loss"]
    assert result["best_epoch"] == int(np.argmin(values)) + 1
    assert result["best_value"] == pytest.approx(min(values))
    # The best epoch's checkpoint (weights and optimizer) is loaded; its step
    # count shows that the optimizer's state came back with the backup.
    assert result["best_epoch"] > 2
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    assert steps == 4 * result["best_epoch"]
    best = model.get_weights()

    # Killed after training (evaluating, saving): the finished backup skips it.
    trained.clear()
    again = _model(2)
    result = training.fit_with_best_checkpoint(again, data, **options)
    assert trained == [] and result["resumed_from_epoch"] == 5
    for a, b in zip(again.get_weights(), best):
        np.testing.assert_array_equal(a, b)


def test_a_backup_killed_while_written_resumes_from_the_epoch_before(
    tmp_path, monkeypatch
):
    data, options = _batches(), _fit_options(tmp_path)
    _interrupt_after_epochs(monkeypatch, data, options)
    backup = tmp_path / "backup"
    (backup / "training_metadata.json").write_text('{"epo')  # cut mid-write
    stray = tmp_path / f".best.tmp-{_dead_pid()}.weights.h5"
    stray.write_bytes(b"half a checkpoint")
    assert check_run_files(tmp_path / "best.weights.h5", backup, True, False)
    assert not stray.exists()
    trained = _count_epochs(monkeypatch)
    result = training.fit_with_best_checkpoint(_model(1), data, **options)
    assert result["resumed_from_epoch"] == 1 and trained == [2, 3, 4, 5]
    assert result["epochs_run"] == 5


def test_a_first_epoch_count_killed_while_written_resumes_after_that_epoch(
    tmp_path, monkeypatch
):
    # Keras writes the epoch count after the weights; killed while writing the
    # first one, the backup has whole weights, a cut count and no older copy.
    data, options = _batches(), _fit_options(tmp_path)
    _interrupt_after_epochs(monkeypatch, data, options, epochs=1)
    backup = tmp_path / "backup"
    (backup / "training_metadata.json").write_text('{"epo')
    assert not list(backup.glob("*.bkp"))
    trained = _count_epochs(monkeypatch)
    model = _model(1)
    result = training.fit_with_best_checkpoint(model, data, **options)
    assert result["resumed_from_epoch"] == 1 and trained == [2, 3, 4, 5]
    assert result["best_epoch"] > 1
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    assert steps == 4 * result["best_epoch"]  # the first epoch's optimizer came back


def _dead_pid():
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)  # fmt: skip
    return int(process.stdout)


def _files(directory):
    return {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_preset_that_does_not_reproduce_the_model_replaces_nothing(
    tmp_path, monkeypatch
):
    from applications.text_classifier.task import TextClassifier
    from applications.text_classifier.training import (
        TextClassifierTrainingConfig,
        build_classifier,
        train,
    )

    data = tmp_path / "data.tsv"
    data.write_text("\n".join(LABELED) + "\n", encoding="utf-8")
    config = TextClassifierTrainingConfig(
        data=str(data), vocabulary_type="word", vocabulary_size=20,
        sequence_length=8, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=8, epochs=1, batch_size=4, verbose=0,
        output=str(tmp_path / "out"), checkpoint=str(tmp_path / "best.weights.h5"),
    )  # fmt: skip

    def untrained(*args, **kwargs):  # a preset that predicts otherwise
        return build_classifier(config, ["a warm film", "a dull film"],
                                ["negative", "positive"])  # fmt: skip

    untrained().save_to_preset(tmp_path / "out")  # an earlier preset
    before = _files(tmp_path / "out")
    monkeypatch.setattr(TextClassifier, "from_preset", untrained)
    config.overwrite = True
    with pytest.raises(ValueError, match=r"does not reproduce the trained TextCl"):
        train(config)
    assert _files(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best.backup", "best.weights.h5", "data.tsv", "out"
    ]  # fmt: skip  # the finished backup is kept: --resume writes the preset


def test_training_on_unicode_spaces_writes_a_preset_that_loads(tmp_path, capsys):
    from applications.translator.task import Translator

    pairs = tmp_path / "pairs.tsv"
    french = ["Quel est le prix\u202f?", "Il est 10\u00a0h.", "Vraiment\u2009?",
              "Merci\u3000beaucoup.", "Le prix est bas.", "Il est 10 h."]  # fmt: skip
    lines = [f"sentence {i}\t{french[i % 6]} {i}" for i in range(24)]
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "translator"
    status = main(
        ["train", "translator", "--data", str(pairs), "--output", str(output),
         *TINY, "--epochs", "1", "--test-fraction", "0", "--sequence-length", "12",
         "--target-vocabulary-size", "200", "--source-vocabulary-size", "60",
         "--tokenizer", "wordpiece",
         "--checkpoint", str(tmp_path / "best.weights.h5")]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    assert "Wrote preset" in capsys.readouterr().out
    translator = Translator.from_preset(output)
    vocabulary = translator.preprocessor.target_tokenizer.vocabulary
    assert not [token for token in vocabulary if any(c.isspace() for c in token)]


# === SIGKILL during training ===


def completed_epochs(backup):
    """The epochs Keras' backup records: its `training_metadata.json`, or the
    previous epoch's copy (`.bkp`) when the kill came while the file was
    being rewritten; 0 before the first one is whole."""
    for name in ("training_metadata.json", "training_metadata.json.bkp"):
        try:
            return json.loads((backup / name).read_text())["epoch"]
        except (FileNotFoundError, ValueError):
            continue
    return 0


@pytest.mark.slow
@pytest.mark.one_backend
def test_a_training_run_killed_after_an_epoch_resumes_from_it(tmp_path, capsys):
    from applications.vision_transformer.task import VisionTransformer

    output, checkpoint = tmp_path / "vit", tmp_path / "run" / "best.weights.h5"
    backup = training.backup_directory(checkpoint)
    command = [
        "train", "vit", "--dataset", "digits", "--output", str(output),
        "--checkpoint", str(checkpoint), "--epochs", "8", "--steps-per-epoch", "20",
        "--batch-size", "8", "--num-layers", "1", "--num-heads", "2",
        "--hidden-dim", "16", "--intermediate-dim", "16", "--patch-size", "4",
        "--verbose", "2",
    ]  # fmt: skip
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from applications.cli import main; sys.exit(main())",
            *command,
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "KERAS_BACKEND": keras.config.backend()},
    )
    deadline = time.monotonic() + 300
    while not completed_epochs(backup):  # the first epoch's backup is written
        assert process.poll() is None, "the run ended before its first backup"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    done = completed_epochs(backup)
    assert 1 <= done < 8 and not output.exists()

    assert main(command) == 1  # a rerun does not silently start over
    assert "Give --resume to continue it" in capsys.readouterr().err
    assert main([*command, "--resume"]) == 0
    log = capsys.readouterr().out
    resuming = [line for line in log.splitlines() if line.startswith("Resuming")]
    assert f"{done} epoch" in resuming[0]  # "Resuming from ...: N epochs"
    epochs = [int(line.split()[1].split("/")[0]) for line in log.splitlines()
              if line.startswith("Epoch ") and "/8" in line]  # fmt: skip
    assert epochs == list(range(done + 1, 9))  # the epochs before: not retrained
    record = json.loads((output / "metadata.json").read_text())
    assert record["resumed_from_epoch"] == done and record["epochs_run"] == 8
    assert "--resume" in record["training_command"]
    assert VisionTransformer.from_preset(output).predict(
        np.zeros((1, 8, 8, 1), "uint8"), verbose=0
    ).shape == (1, 10)
    assert not backup.exists()  # deleted once the preset is written
