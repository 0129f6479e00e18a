"""`--validation-data` / `--test-data`: a split given as a file is read from
it, none is carved from `--data`, and the record says where each came from;
`--max-pairs` draws a seeded sample."""

import json

import numpy as np
import pytest

from applications.cli import main
from applications.common.config import TrainingConfig
from applications.data.splits import sample_indices

CLASSIFIER_MODEL = [
    "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "8",
    "--intermediate-dim", "8", "--sequence-length", "10",
    "--vocabulary-type", "word", "--vocabulary-size", "40",
    "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "4", "--verbose", "0",
]  # fmt: skip
WORDS = ["good", "bad", "film", "plot", "warm", "dull", "witty", "long"]


def labeled_file(path, count, seed):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(count):
        label = ("negative", "positive")[i % 2]
        lines.append(f"{label}\t{' '.join(rng.choice(WORDS, 4))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classifier_reads_its_validation_and_test_files(tmp_path):
    data = labeled_file(tmp_path / "train.tsv", 20, 0)
    dev = labeled_file(tmp_path / "dev.tsv", 6, 1)
    test = labeled_file(tmp_path / "test.tsv", 8, 2)
    output = tmp_path / "preset"
    status = main(
        ["train", "classifier", "--data", str(data), "--output", str(output),
         "--validation-data", str(dev), "--test-data", str(test),
         "--checkpoint", str(tmp_path / "best.weights.h5"), *CLASSIFIER_MODEL]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    # Nothing carved from --data: all 20 texts train.
    assert metadata["split_sizes"] == {"train": 20, "validation": 6, "test": 8}
    assert metadata["split_sources"] == {
        "train": str(data), "validation": str(dev), "test": str(test)
    }  # fmt: skip
    assert metadata["split_fractions"] == {"validation": 0.0, "test": 0.0}

    # The recorded held-out accuracy is the accuracy on the test file.
    from applications.data.text_classification import load_labeled_tsv
    from applications.text_classifier.task import TextClassifier

    texts, labels = load_labeled_tsv(test, text_column=1)
    classifier = TextClassifier.from_preset(str(output))
    predicted, _ = classifier.classify(texts)
    accuracy = np.mean([p == t for p, t in zip(predicted, labels)])
    assert metadata["held_out_accuracy"] == pytest.approx(accuracy, abs=1e-4)


def test_a_label_the_training_data_lacks_is_named(tmp_path, capsys):
    data = labeled_file(tmp_path / "train.tsv", 12, 0)
    test = tmp_path / "test.tsv"
    test.write_text("positive\tgood film\nneutral\tlong plot\n", encoding="utf-8")
    status = main(
        ["train", "classifier", "--data", str(data), "--output",
         str(tmp_path / "out"), "--test-data", str(test),
         "--checkpoint", str(tmp_path / "best.weights.h5"), *CLASSIFIER_MODEL]
    )  # fmt: skip
    assert status != 0
    assert (
        "test.tsv: Label 'neutral' (example 1) is not one of the classes "
        "['negative', 'positive'] of the training data." in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


def test_a_given_split_frees_its_fraction():
    config_fields = {"validation_fraction": 0.6, "test_fraction": 0.5}
    with pytest.raises(ValueError, match="add up to less than 1"):
        TrainingConfig(**config_fields)

    class WithFiles(TrainingConfig):
        validation_data = "dev.tsv"
        test_data = None

    config = WithFiles(**config_fields)
    assert config.split_options() == {
        "validation_fraction": 0.0, "test_fraction": 0.5, "seed": 1337
    }  # fmt: skip
    assert config.split_sources()["validation"] == "dev.tsv"
    assert config.split_sources()["test"].startswith("0.5 of")


def test_language_model_reads_its_validation_and_test_files(tmp_path):
    text = "".join(f"line {i} of the play, and more words.\n" for i in range(60))
    (tmp_path / "train.txt").write_text(text, encoding="utf-8")
    (tmp_path / "dev.txt").write_text(text[:400], encoding="utf-8")
    (tmp_path / "test.txt").write_text(text[400:900], encoding="utf-8")
    output = tmp_path / "lm"
    status = main(
        ["train", "lm", "--data", str(tmp_path / "train.txt"),
         "--validation-data", str(tmp_path / "dev.txt"),
         "--test-data", str(tmp_path / "test.txt"), "--output", str(output),
         "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
         "--intermediate-dim", "16", "--sequence-length", "16", "--batch-size", "4",
         "--epochs", "1", "--steps-per-epoch", "2", "--verbose", "0",
         "--checkpoint", str(tmp_path / "best.weights.h5")]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    # Every character of train.txt trains; the token counts are the files'.
    counts = metadata["token_counts"]
    assert counts["train"] == len(text) and counts["validation"] == 400
    assert counts["test"] == 500
    assert metadata["split_sources"]["test"] == str(tmp_path / "test.txt")
    assert "test_loss" in metadata


def test_max_pairs_is_a_seeded_sample_not_the_head():
    first = sample_indices(1000, 50, seed=7)
    assert len(set(first.tolist())) == 50 and np.all(np.diff(first) > 0)
    assert np.array_equal(first, sample_indices(1000, 50, seed=7))
    assert not np.array_equal(first, np.arange(50))
    assert first.max() > 500  # long sentences (the end of the file) are drawn
    with pytest.raises(ValueError, match=r"`sample_size` must be in \[1, 10\]"):
        sample_indices(10, 11, seed=0)


def test_translator_record_and_evaluation_agree_on_the_test_file(tmp_path):
    from applications.data.translation_pairs import load_translation_pairs
    from applications.translator.evaluation import score_translator
    from applications.translator.task import Translator

    pairs = [("Where is Tom?", "汤姆在哪里？"), ("I am home.", "我在家。"),
             ("It is cold.", "天很冷。"), ("Tom is here.", "汤姆在这里。")]  # fmt: skip
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in pairs * 4), encoding="utf-8")
    test = tmp_path / "test.tsv"
    test.write_text(
        "Where is Tom?\t汤姆在哪里？\nIt is cold.\t天很冷。\n", encoding="utf-8"
    )
    output = tmp_path / "translator"
    status = main(
        ["train", "translator", "--data", str(data), "--output", str(output),
         "--test-data", str(test), "--validation-fraction", "0.25",
         "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "4",
         "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
         "--intermediate-dim", "16", "--sequence-length", "12",
         "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "0",
         "--validation-output", str(tmp_path / "validation.tsv")]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["split_sizes"]["test"] == 2
    # The validation scores are those of the written validation pairs.
    translator = Translator.from_preset(str(output))
    validation = score_translator(
        translator, *load_translation_pairs(tmp_path / "validation.tsv")
    )
    assert metadata["validation_scores"] == {
        key: validation[key] for key in ("bleu", "chrf", "num_sentences")
    }
    assert validation["num_sentences"] == metadata["split_sizes"]["validation"]
    assert metadata["split_sources"]["test"] == str(test)
    sources, references = load_translation_pairs(test)
    scores = score_translator(translator, sources, references)
    assert scores["bleu"] == metadata["held_out_test"]["bleu"]
    assert scores["chrf"] == metadata["held_out_test"]["chrf"]
