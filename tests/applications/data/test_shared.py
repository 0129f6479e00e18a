"""Tests of finding the data sets in ../shared/data and naming them."""

from pathlib import Path

import pytest

from applications.data import shared
from applications.data.language_modeling import default_directory
from applications.data.text_classification import default_mr_directory

SHARED = shared.REPOSITORY.parent / "shared" / "data"


def test_paths_beside_the_repository_are_named_from_it(tmp_path):
    beside = shared.REPOSITORY.parent / "shared" / "data" / "x.txt"
    assert shared.shown(beside) == str(Path("..", "shared", "data", "x.txt"))
    # Elsewhere (e.g. the Keras cache): as given.
    elsewhere = Path("/") / "somewhere" / "else.txt"
    assert shared.shown(elsewhere) == str(elsewhere)


def test_a_missing_file_means_no_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shared.shared_data_directory("classification", "no-such-file") is None


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_the_shared_data_sets_are_found_from_any_working_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # not the repository: found from it
    assert default_mr_directory() == (SHARED / "classification").resolve()
    found = default_directory("tinyshakespeare.txt")
    assert found == (SHARED / "language_modeling").resolve()
    assert shared.shown(found / "tinyshakespeare.txt") == str(
        Path("..", "shared", "data", "language_modeling", "tinyshakespeare.txt")
    )
