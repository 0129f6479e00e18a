"""`evaluate classifier`: the held-out accuracy of `train classifier` on the
same examples, the library's numbers, and unknown labels refused."""

import json

from classifier_helpers import EXTRA

from applications.cli import main
from applications.common.classification_metrics import evaluate_classifier
from applications.data.splits import split_arrays
from applications.data.text_classification import encode_labels, load_labeled_tsv


def _json_line(out):
    return json.loads(out.strip().splitlines()[-1])


def test_evaluate_gives_the_training_records_held_out_accuracy(
    trained_by_cli, tmp_path, capsys
):
    data, output, _ = trained_by_cli
    metadata = json.loads((output / "metadata.json").read_text())
    # The test split `train classifier` held out (same seed and fractions).
    texts, labels = load_labeled_tsv(data, text_column=1)
    ids, names = encode_labels(labels)
    _, _, (test_texts, test_ids) = split_arrays(
        texts, ids, validation_fraction=0.2, test_fraction=0.2, seed=1337
    )
    test_file = tmp_path / "test.tsv"
    test_file.write_text(
        "".join(f"{names[i]}\t{text}\n" for text, i in zip(test_texts, test_ids)),
        encoding="utf-8",
    )
    capsys.readouterr()
    plot = tmp_path / "confusion.png"
    command = ["evaluate", "classifier", "--preset", str(output)]
    assert main(command + ["--data", str(test_file), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    report = _json_line(out)
    assert report["num_examples"] == len(test_texts) == metadata["split_sizes"]["test"]
    assert round(report["accuracy"], 4) == metadata["held_out_accuracy"]
    assert out.startswith(f"{test_file}: {len(test_texts)} examples: accuracy")
    assert out.splitlines()[1].split() == [
        "class",
        "precision",
        "recall",
        "f1",
        "support",
    ]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_prints_the_library_report(classifier, preset_dir, tmp_path, capsys):
    data = tmp_path / "test.tsv"
    data.write_text(
        "".join(f"{label}\t{text}\n" for label, text in EXTRA), encoding="utf-8"
    )
    command = ["evaluate", "classifier", "--preset", str(preset_dir)]
    assert main(command + ["--data", str(data), "--batch-size", "2"]) == 0
    report = _json_line(capsys.readouterr().out)
    texts = [text for _, text in EXTRA]
    labels = [label for label, _ in EXTRA]
    assert report == evaluate_classifier(classifier, texts, labels, batch_size=2)
    assert report["num_examples"] == 4
    assert sum(map(sum, report["confusion_matrix"])) == 4


def test_unknown_labels_are_refused(preset_dir, tmp_path, capsys):
    data = tmp_path / "test.tsv"
    data.write_text(
        "positive\ta fine film\nneutral\tan ordinary film\n", encoding="utf-8"
    )
    command = ["evaluate", "classifier", "--preset", str(preset_dir)]
    assert main(command + ["--data", str(data)]) == 1
    error = capsys.readouterr().err
    assert "'neutral' (1x)" in error
    assert "['negative', 'positive']" in error
