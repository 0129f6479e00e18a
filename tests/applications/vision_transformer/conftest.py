"""Fixtures shared by the Vision Transformer tests (read-only use)."""

import keras
import pytest
from vit_helpers import build_vit


@pytest.fixture(scope="session", autouse=True)
def jax_compiles_with_few_optimizations():
    """On jax, compiles each program with few optimizations in these tests.

    The models here are tiny: XLA's optimization passes cost far more than
    they save. Numerics are unchanged (see tests/keras_attention/conftest.py).
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
def tiny_vit():
    """An untrained tiny classifier; tests must not train or change it."""
    return build_vit(seed=3)
