"""Fixtures shared by the text classifier tests (read-only use)."""

import contextlib
import io

import pytest
from classifier_helpers import EXTRA, LABELS, TEXTS, TINY_MODEL, build_classifier

from applications.cli import main


@pytest.fixture(scope="session")
def classifier():
    """An untrained tiny classifier; tests must not train or change it."""
    return build_classifier(seed=3)


@pytest.fixture(scope="session")
def preset_dir(classifier, tmp_path_factory):
    """The session classifier saved once as a preset (do not modify)."""
    directory = tmp_path_factory.mktemp("classifier") / "preset"
    classifier.save_to_preset(directory, metadata={"note": "test"})
    return directory


@pytest.fixture(scope="session")
def trained_by_cli(tmp_path_factory):
    """One `train classifier` run on a TSV with a header row, shared by the
    command-line tests (read-only use): the TSV (a header, 20 labeled texts),
    the preset written and what the command printed."""
    folder = tmp_path_factory.mktemp("train_classifier")
    data = folder / "train.tsv"
    rows = [*zip(LABELS, TEXTS), *EXTRA] * 2
    data.write_text(
        "label\ttext\n" + "".join(f"{lb}\t{text}\n" for lb, text in rows),
        encoding="utf-8",
    )
    output = folder / "my_classifier"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(
            [
                "train", "classifier", "--data", str(data), "--output", str(output),
                "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "4",
                *TINY_MODEL,
                "--validation-fraction", "0.2", "--test-fraction", "0.2",
                "--checkpoint", str(folder / "best.weights.h5"), "--verbose", "0",
            ]
        )  # fmt: skip
    assert status == 0
    return data, output, out.getvalue()
