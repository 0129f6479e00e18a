"""Fixtures shared by the Vision Transformer tests (read-only use)."""

import pytest
from vit_helpers import build_vit


@pytest.fixture(scope="session")
def tiny_vit():
    """An untrained tiny classifier; tests must not train or change it."""
    return build_vit(seed=3)
