"""Tests on 8 simulated devices: JAX only, started with
`XLA_FLAGS=--xla_force_host_platform_device_count=8` (set before JAX starts;
`make test` runs them so, in a pytest run of their own)."""

import sys
from pathlib import Path

import keras
import pytest

DEVICES = 8
# The application harness (its tiny tasks) is shared with these tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "applications"))


def pytest_collection_modifyitems(config, items):
    reason = None
    if keras.config.backend() != "jax":
        reason = "keras.distribution runs on the JAX backend only"
    elif len(keras.distribution.list_devices()) < DEVICES:
        reason = (
            f"needs {DEVICES} devices: XLA_FLAGS="
            f"--xla_force_host_platform_device_count={DEVICES} (make test runs this)"
        )
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))
