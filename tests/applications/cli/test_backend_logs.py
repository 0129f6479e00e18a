"""The command line hides TensorFlow's native log lines unless asked."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]
# Lines TensorFlow's C++ side writes while it is imported (absl's notice,
# the CUDA probe on a machine without a GPU, oneDNN's notice).
NATIVE_MARKERS = ("absl::InitializeLog", "cuda", "oneDNN")


def run_cli(*arguments):
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import sys\nfrom applications.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_tensorflow_native_logs_are_hidden_unless_asked():
    quiet = run_cli("presets")
    assert quiet.returncode == 0, quiet.stderr
    assert "gpt_tiny_shakespeare" in quiet.stdout
    assert not any(marker in quiet.stderr for marker in NATIVE_MARKERS), quiet.stderr

    shown = run_cli("--backend-logs", "presets")
    assert shown.returncode == 0, shown.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import tensorflow"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if not any(marker in probe.stderr for marker in NATIVE_MARKERS):
        pytest.skip("this TensorFlow writes no native log lines when imported")
    assert any(marker in shown.stderr for marker in NATIVE_MARKERS)
