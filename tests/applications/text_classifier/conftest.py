"""Fixtures shared by the text classifier tests (read-only use)."""

import keras
import pytest
from classifier_helpers import build_classifier


@pytest.fixture(scope="session", autouse=True)
def jax_compiles_with_few_optimizations():
    """On jax, compiles each program with few optimizations in these tests.

    The models here are tiny: XLA's optimization passes cost far more than
    they save. Numerics are unchanged (see tests/conftest.py).
    """
    if keras.config.backend() != "jax":
        yield
        return
    import jax

    flag = "jax_disable_most_optimizations"
    previous = jax.config.read(flag)
    jax.config.update(flag, True)
    yield
    jax.config.update(flag, previous)


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
