"""Fixtures shared by the text classifier tests (read-only use)."""

import pytest
from classifier_helpers import build_classifier


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
