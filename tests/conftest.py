"""Fixtures shared by all tests."""

import keras
import pytest

# Tiny tensors and models: XLA's optimizations cost more than they save. The
# translator's tests keep them (its compiled decoding loops gain from them),
# except the modules that set `JAX_FEW_OPTIMIZATIONS = True`, each measured
# faster without them (the GRU reversal and decoding modules were slower).
FEW_OPTIMIZATIONS_EXCEPT = "translator"


@pytest.fixture(autouse=True)
def jax_compiles_with_few_optimizations(request):
    """On jax, compiles each program with few optimizations during a test.

    Eager jax compiles every op once per shape; for these tiny tensors and
    models XLA's optimization passes cost far more than they save (about a
    third of the layer tests' time). Numerics are unchanged.
    """
    if keras.config.backend() != "jax" or (
        FEW_OPTIMIZATIONS_EXCEPT in request.node.path.parts
        and not getattr(request.module, "JAX_FEW_OPTIMIZATIONS", False)
    ):
        yield
        return
    import jax

    flag = "jax_disable_most_optimizations"
    previous = jax.config.read(flag)
    jax.config.update(flag, True)
    yield
    jax.config.update(flag, previous)
