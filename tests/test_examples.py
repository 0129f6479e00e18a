"""The example scripts run on the shipped presets (the README's `make demo`)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quickstart_generates_translates_classifies_and_draws_attention(
    tmp_path, capsys
):
    pytest.importorskip("matplotlib")
    assert _load("quickstart").main(["--output-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "ROMEO:\n" in printed
    assert (tmp_path / "gpt_self_attention.png").stat().st_size > 10_000
    # Each poem continues its title (a prompt of the Tang poems preset).
    assert "春夜\n" in printed and "登高\n" in printed
    assert "车站" in printed  # "Where is the station?" -> ...车站...
    # Fill-mask: "How are [MASK]?" -> you; "海上生明[MASK]，..." -> 月.
    assert "'you'" in printed and "'月'" in printed
    heatmaps = sorted(tmp_path.glob("attention_*.png"))
    assert len(heatmaps) == 3 and all(p.stat().st_size > 10_000 for p in heatmaps)
    predicted = next(line for line in printed.splitlines() if line.startswith("pre"))
    true = next(line for line in printed.splitlines() if line.startswith("true"))
    assert predicted.split()[1:] == true.split()[1:]
