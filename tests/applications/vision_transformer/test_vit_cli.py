"""Command-line smoke test: train vit on digits for one step, classify images."""

import json

import keras
import numpy as np

from applications.cli import main


def test_train_then_classify_npy_and_png(tmp_path, capsys):
    output = tmp_path / "my_vit"
    status = main(
        [
            "train", "vit", "--dataset", "digits", "--output", str(output),
            "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "8",
            "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
            "--intermediate-dim", "16", "--patch-size", "4",
            "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "0",
        ]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["training_command"].startswith("keras-attention train vit")
    assert metadata["split_sizes"] == {"train": 1293, "validation": 144, "test": 360}
    assert metadata["epochs_run"] == 1 and 0.0 <= metadata["test_accuracy"] <= 1.0
    assert metadata["label_names"] == [str(i) for i in range(10)]
    assert "digits" in metadata["training_data"]
    assert "Wrote preset" in capsys.readouterr().out

    rng = np.random.default_rng(0)
    np.save(tmp_path / "one.npy", rng.uniform(size=(8, 8)).astype("float32"))
    np.save(tmp_path / "batch.npy", rng.integers(0, 256, (3, 8, 8, 1), "uint8"))
    keras.utils.save_img(
        tmp_path / "digit.png", rng.integers(0, 256, (16, 16, 1)).astype("uint8")
    )
    files = [tmp_path / name for name in ("one.npy", "batch.npy", "digit.png")]
    assert main(["classify-image", "--preset", str(output), *map(str, files)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 3 + 1
    label, probability, name = lines[1].split("\t")
    assert label in "0123456789" and 0.0 < float(probability) <= 1.0
    assert name.endswith("batch.npy[0]") and lines[-1].endswith("digit.png")


def test_classify_image_reports_bad_files(tmp_path, capsys):
    np.save(tmp_path / "big.npy", np.zeros((28, 28, 1), "uint8"))
    (tmp_path / "notes.txt").write_text("not an image")

    def classify(preset, name):
        return main(["classify-image", "--preset", preset, str(tmp_path / name)])

    assert classify("vit_tiny_digits", "big.npy") == 1
    assert "Received: images of size (28, 28)" in capsys.readouterr().err
    assert classify("vit_tiny_digits", "notes.txt") == 1
    assert ".npy array or an image file" in capsys.readouterr().err
    assert classify("vit_tiny_digits", "none.npy") == 1
    assert "No such image file" in capsys.readouterr().err
    assert classify("vit_huge", "big.npy") == 1
    assert "Known built-in presets" in capsys.readouterr().err


def test_presets_command_lists_the_vit_presets(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "vit_tiny_digits" in out and "vit_base_patch16_224" in out
