"""Command-line smoke test: train one step on a tiny TSV, then classify."""

import json

import pytest
from classifier_helpers import LABELS, TEXTS, TINY_MODEL

from applications.cli import main


def test_train_then_classify(trained_by_cli, tmp_path, capsys):
    _, output, out = trained_by_cli
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["training_command"].startswith("keras-attention train classifier")
    assert metadata["split_sizes"] == {"train": 12, "validation": 4, "test": 4}
    assert metadata["label_names"] == ["negative", "positive"]
    assert metadata["training_data"].endswith("(20 labeled texts)")  # not the header
    assert 0.0 <= metadata["held_out_accuracy"] <= 1.0
    assert metadata["epochs_run"] == 1 and metadata["task"] == "TextClassifier"
    assert "Wrote preset" in out

    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("boring and long\n\nwarm and witty\n", encoding="utf-8")
    command = ["classify", "--preset", str(output), "a gorgeous film"]
    assert main(command + ["--file", str(texts_file)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [row[2] for row in rows] == [
        "a gorgeous film", "boring and long", "warm and witty"
    ]  # fmt: skip
    assert all(row[0] in ("negative", "positive") for row in rows)
    assert all(0.5 <= float(row[1]) <= 1.0 for row in rows)


@pytest.mark.parametrize(
    "content, message",
    [
        ("positive\ta fine film\nnegative only-one-column\n", "train.tsv:2"),
        ("positive\ta fine film\nnegative\t  \n", "train.tsv:2: empty text"),
        ("", "no examples found"),
        ("label\ttext\n", "no examples found"),
    ],
)
def test_malformed_or_empty_data_is_reported(tmp_path, capsys, content, message):
    data = tmp_path / "train.tsv"
    data.write_text(content, encoding="utf-8")
    command = ["train", "classifier", "--data", str(data), "--output"]
    assert main(command + [str(tmp_path / "out"), "--epochs", "1"]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_nothing_to_classify_and_unknown_preset(capsys):
    assert main(["classify", "--preset", "classifier_tiny_mr"]) == 1
    assert "Nothing to classify" in capsys.readouterr().err
    assert main(["classify", "--preset", "classifier_huge_mr", "a film"]) == 1
    error = capsys.readouterr().err
    assert "Known built-in presets: " in error and "classifier_tiny_mr" in error


def _write_tsv(tmp_path):
    data = tmp_path / "train.tsv"
    lines = [f"{label}\t{text}" for label, text in zip(LABELS, TEXTS)]
    data.write_text("\n".join(lines * 4) + "\n", encoding="utf-8")
    return data


def test_train_distilled_from_the_naive_bayes_teacher(tmp_path, capsys):
    output = tmp_path / "distilled"
    status = main(
        [
            "train", "classifier", "--data", str(_write_tsv(tmp_path)),
            "--output", str(output), "--teacher", "naive-bayes",
            "--teacher-weight", "0.5", "--epochs", "2", "--batch-size", "4",
            *TINY_MODEL,
            "--validation-fraction", "0.25", "--test-fraction", "0.25",
            "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "0",
        ]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    assert "--teacher naive-bayes" in metadata["training_command"]
    assert 0.0 <= metadata["held_out_accuracy"] <= 1.0
    assert 0.0 <= metadata["validation_accuracy"] <= 1.0
    assert "Wrote preset" in capsys.readouterr().out


def test_teacher_weight_outside_zero_one_is_reported(tmp_path, capsys):
    command = ["train", "classifier", "--data", str(_write_tsv(tmp_path)),
               "--output", str(tmp_path / "out"), "--teacher", "naive-bayes",
               "--teacher-weight", "1.5"]  # fmt: skip
    with pytest.raises(SystemExit) as exit:  # argparse checks the option's bounds
        main(command)
    assert exit.value.code == 2
    assert "argument --teacher-weight: must be a number in [0, 1]. Received: 1.5" in (
        capsys.readouterr().err
    )


def test_cross_validation_scores_every_text_once_on_a_model_that_never_saw_it(
    tmp_path, capsys, monkeypatch
):
    from applications.text_classifier import training

    scored, trained_on = [], []
    build_and_fit = training.build_and_fit
    accuracy = training.classification_accuracy

    def spy_fit(config, train, validation, label_names):
        trained_on.append(set(train[0]))
        return build_and_fit(config, train, validation, label_names)

    def spy_accuracy(classifier, texts, label_ids, batch_size):
        scored.append(list(texts))
        return accuracy(classifier, texts, label_ids, batch_size)

    monkeypatch.setattr(training, "build_and_fit", spy_fit)
    monkeypatch.setattr(training, "classification_accuracy", spy_accuracy)
    data = tmp_path / "train.tsv"
    lines = [f"{label}\t{text}" for label, text in zip(LABELS, TEXTS)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")  # 6 distinct texts
    report = tmp_path / "cv.json"
    status = main(
        [
            "train", "classifier", "--data", str(data), "--output", str(report),
            "--cross-validate", "3", "--epochs", "1", "--batch-size", "4",
            *TINY_MODEL, "--verbose", "0",
        ]
    )  # fmt: skip
    assert status == 0
    texts = [line.split("\t")[1] for line in lines]
    assert sorted(sum(scored, [])) == sorted(texts)  # each text scored once
    assert [len(fold) for fold in scored] == [2, 2, 2]
    for fold, training_texts in zip(scored, trained_on):
        assert training_texts == set(texts) - set(fold)
    result = json.loads(report.read_text())
    assert result["cross_validation_folds"] == 3
    assert len(result["fold_accuracies"]) == 3
    assert all(a in (0.0, 0.5, 1.0) for a in result["fold_accuracies"])  # 2 per fold
    assert result["mean_accuracy"] == pytest.approx(
        sum(result["fold_accuracies"]) / 3, abs=1e-4
    )
    assert "3-fold cross-validation: mean accuracy" in capsys.readouterr().out
