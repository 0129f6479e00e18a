"""Command-line smoke test: train one step, translate, evaluate."""

import json

from translator_helpers import SOURCES, TARGETS

from applications.cli import main

# On jax, compiled with few XLA optimizations (see tests/conftest.py): one
# training step, a translation and an evaluation compile in less time.
JAX_FEW_OPTIMIZATIONS = True


def test_train_translate_evaluate(tmp_path, capsys):
    data = tmp_path / "pairs.tsv"
    lines = [f"{s}\t{t}\tCC-BY 2.0 (France)" for s, t in zip(SOURCES, TARGETS)]
    data.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    output = tmp_path / "my_translator"
    test_file = tmp_path / "test.tsv"
    test_file.write_text("Where is Tom?\t汤姆在哪里？\n", encoding="utf-8")
    status = main(
        [
            "train", "translator", "--data", str(data), "--output", str(output),
            "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "4",
            "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
            "--intermediate-dim", "16", "--sequence-length", "12",
            "--validation-fraction", "0.2", "--test-fraction", "0",
            "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "0",
        ]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["training_command"].startswith("keras-attention train translator")
    assert metadata["split_sizes"] == {"train": 15, "validation": 3, "test": 0}
    assert metadata["epochs_run"] == 1
    # The per-epoch record, for curves: the validation loss kept is its best.
    assert metadata["validation_loss"] == min(metadata["history"]["val_loss"])
    assert len(metadata["history"]["loss"]) == 1
    capsys.readouterr()

    assert main(["translate", "--preset", str(output), "Where is Tom?"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1

    assert main(["evaluate", "translator", "--preset", str(output),
                 "--data", str(test_file)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "BLEU" in out and "chrF" in out and "greedy decoding" in out
    assert json.loads(out.splitlines()[-1])["decoding"] == "greedy"

    assert main(["evaluate", "translator", "--preset", str(output),
                 "--data", str(test_file), "--num-beams", "2",
                 "--length-penalty", "0.6"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "(1 pairs, beam search, 2 beams, length penalty 0.6 decoding)" in out
    assert main(["evaluate", "translator", "--preset", str(output),
                 "--data", str(test_file), "--length-penalty", "0.6"]) == 1  # fmt: skip
    assert "needs --num-beams above 1" in capsys.readouterr().err


def test_malformed_data_is_reported_with_line_number(tmp_path, capsys):
    data = tmp_path / "pairs.tsv"
    data.write_text("Hi.\t嗨。\nbroken line\n", encoding="utf-8")
    status = main(
        ["train", "translator", "--data", str(data), "--output",
         str(tmp_path / "out"), "--epochs", "1"]
    )  # fmt: skip
    assert status == 1
    assert "pairs.tsv:2" in capsys.readouterr().err


def test_nothing_to_translate(capsys):
    assert main(["translate", "--preset", "translator_tiny_en_zh"]) == 1
    assert "Nothing to translate" in capsys.readouterr().err
