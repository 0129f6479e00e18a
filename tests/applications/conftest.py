"""Fixtures shared by the application tests."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest

BACKENDS = ("tensorflow", "jax", "torch")
# Where the `one_backend` tests run (see pyproject.toml's markers).
ONE_BACKEND = "torch"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def _next_backend():
    current = keras.config.backend()
    return BACKENDS[(BACKENDS.index(current) + 1) % len(BACKENDS)]


@pytest.fixture
def other_backend():
    """The backend after the current one (tensorflow -> jax -> torch -> tf)."""
    return _next_backend()


@pytest.fixture
def run_on_backend():
    """Runs a snippet in a fresh process on a given backend.

    `run_on_backend(backend, code)` runs `code` with `KERAS_BACKEND=backend`;
    its last stdout line must be JSON, which is returned parsed.
    """

    def run(backend, code, timeout=600):
        env = {**os.environ, "KERAS_BACKEND": backend}
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, (
            f"snippet failed on {backend}:\n{result.stderr[-3000:]}"
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def shared_data():
    """`../shared/data` beside the checkout; skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present (real corpora for local runs)")
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    """Skips `one_backend` tests off `ONE_BACKEND`: they check files written
    and renamed by killed subprocesses, which no backend changes."""
    if keras.config.backend() == ONE_BACKEND:
        return
    skip = pytest.mark.skip(reason=f"backend-independent: runs on {ONE_BACKEND}")
    for item in items:
        if "one_backend" in item.keywords:
            item.add_marker(skip)
