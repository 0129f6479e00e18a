"""Fixtures shared by the layer library tests."""

import keras
import pytest


@pytest.fixture(autouse=True)
def jax_compiles_with_few_optimizations():
    """On jax, compiles each program with few optimizations during a test.

    Eager jax compiles every op once per shape; for these tiny tensors XLA's
    optimization passes cost far more than they save (about a third of the
    suite's time). Numerics are unchanged; other tests keep the default.
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
