"""BERT's whole-word masking, the `train mlm` recipe and its commands
(`train mlm`, `fill-mask`), and what they refuse."""

import contextlib
import io
import json
import random
import re

import numpy as np
import pytest
import tensorflow as tf
from bert_helpers import SENTENCES, build_masked_lm, toy_tokenizer, word_texts

from applications.bert.preprocessor import BertMaskedLMPreprocessor
from applications.bert.tokenizer import SPACE_PIECE, BertTokenizer
from applications.bert.training import BertMaskedLMTrainingConfig
from applications.bert.whole_word_masking import word_boundaries
from applications.cli import main
from applications.common.presets import PRESETS_DIR as PRESETS

SUBJECTS = ("the cat", "the dog", "a bird", "my friend", "she", "we")
VERBS = ("sat on", "ran to", "looked at", "walked past", "found")
OBJECTS = ("the mat", "the park", "the house", "a tree", "the river")
TINY = ["--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
        "--intermediate-dim", "32", "--sequence-length", "16",
        "--vocabulary-size", "300", "--batch-size", "16", "--verbose", "0"]  # fmt: skip


def corpus(count, seed=0):
    """`count` short sentences of `SUBJECTS`, `VERBS` and `OBJECTS`."""
    rng = np.random.default_rng(seed)
    return [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
        for _ in range(count)
    ]


@pytest.fixture(scope="module")
def word_tokenizer():
    """A vocabulary too small for whole words: most words are several pieces."""
    return BertTokenizer.from_texts(word_texts(200, 12), vocabulary_size=300)


def test_word_boundaries_of_pieces():
    pieces = [f"{SPACE_PIECE}the", "ca", ".", f"{SPACE_PIECE}(", "床前", "<0xE4>",
              "\n", SPACE_PIECE, "t)"]  # fmt: skip
    begins, ends = word_boundaries(pieces)
    assert begins.tolist() == [True, False, True, True, True, False, True, True, False]
    assert ends.tolist() == [False, False, True, True, True, False, True, False, True]


def _words(pieces):
    """Word number of each piece of a packed row (None for specials): the
    test texts are lowercase words and spaces, so a word is a piece starting
    with the space mark and the pieces after it."""
    words, number = [], -1
    for piece in pieces:
        if piece.startswith("["):
            words.append(None)
            continue
        number += piece.startswith(SPACE_PIECE)
        words.append(number)
    return words


def _check_masks(tokenizer, outputs, originals):
    """Counts of chosen / maskable tokens and chosen made [MASK]; asserts
    that every chosen word is chosen whole."""
    x, y, weights = (tf.nest.map_structure(np.asarray, part) for part in outputs)
    chosen_count = total = masked = 0
    mixed_words = 0
    for row in range(len(originals)):
        ids = originals[row]
        pieces = [tokenizer.id_to_token(int(i)) for i in ids]
        words = _words(pieces)
        positions = x["mask_positions"][row][weights[row] > 0]
        np.testing.assert_array_equal(y[row][weights[row] > 0], ids[positions])
        chosen = set(positions.tolist())
        for word in {w for w in words if w is not None}:
            members = {i for i, w in enumerate(words) if w == word}
            assert not (members & chosen) or members <= chosen, (
                f"word {[pieces[i] for i in sorted(members)]} masked in part"
            )
            kinds = {x["token_ids"][row][i] == tokenizer.mask_token_id
                     for i in members & chosen}  # fmt: skip
            mixed_words += len(kinds) == 2
        chosen_count += len(chosen)
        total += sum(w is not None for w in words)
        masked += sum(x["token_ids"][row][i] == tokenizer.mask_token_id for i in chosen)
    return chosen_count, total, masked, mixed_words


def test_whole_word_masking_masks_words_whole_at_15_percent(word_tokenizer):
    texts = word_texts(400, 12, seed=3)
    preprocessor = BertMaskedLMPreprocessor(
        word_tokenizer, sequence_length=48, mask_selection_length=10,
        whole_word_masking=True,
    )  # fmt: skip
    originals = np.zeros((len(texts), 48), "int32")  # [CLS] ids [SEP] [PAD]...
    for row, ids in enumerate(word_tokenizer(texts)):
        ids = [word_tokenizer.cls_token_id, *np.asarray(ids)[:46].tolist(),
               word_tokenizer.sep_token_id]  # fmt: skip
        originals[row, : len(ids)] = ids
    assert np.mean([len(t.split()) for t in texts]) < 0.5 * np.mean(
        np.sum(originals > 5, axis=1)
    ), "expected words of several pieces"
    # In tf.data (graph mode), as in fit().
    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(100).map(preprocessor)
    batches = list(dataset)
    outputs = tuple(
        tf.nest.map_structure(lambda *parts: np.concatenate(parts), *part)
        for part in zip(*batches)
    )
    chosen, total, masked, mixed = _check_masks(word_tokenizer, outputs, originals)
    assert 0.13 < chosen / total < 0.16
    assert 0.75 < masked / chosen < 0.85  # 80% [MASK]
    assert mixed > 0  # the 80/10/10 draw is per token, not per word
    # Eagerly (Python inputs), and drawn anew at every call.
    first = preprocessor(texts[:50])
    _check_masks(word_tokenizer, first, originals[:50])
    second = preprocessor(texts[:50])
    assert not np.array_equal(first[0]["mask_positions"], second[0]["mask_positions"])


def test_whole_word_masking_is_kept_in_the_config(word_tokenizer):
    preprocessor = BertMaskedLMPreprocessor(word_tokenizer, whole_word_masking=True)
    config = preprocessor.get_config()
    assert config["whole_word_masking"] is True
    assert BertMaskedLMPreprocessor.from_config(config).whole_word_masking is True
    with pytest.raises(TypeError, match="whole_word_masking"):
        BertMaskedLMPreprocessor(word_tokenizer, whole_word_masking="yes")


def test_loss_is_the_mean_cross_entropy_of_the_masked_tokens():
    masked_lm = build_masked_lm(toy_tokenizer(), sequence_length=12)
    masked_lm.compile()
    random.seed(0)
    x, y, weights = masked_lm.preprocessor(SENTENCES)
    x, y, weights = (tf.nest.map_structure(np.asarray, v) for v in (x, y, weights))
    assert 0 < weights.sum() < weights.size  # some slots are padding
    logits = np.asarray(masked_lm.predict_on_batch(x), "float64")  # (B, P, V)
    logits -= logits.max(-1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    losses = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]  # (B, P)
    expected = (losses * weights).sum() / weights.sum()
    found = masked_lm.evaluate(x, y, sample_weight=weights, verbose=0)[0]
    np.testing.assert_allclose(found, expected, rtol=1e-4)


def test_training_config_reads_several_files_and_checks_its_source():
    config = BertMaskedLMTrainingConfig(data="a.txt", sequence_length=34)
    assert config.data == ["a.txt"]
    assert config.mask_selection_length() == 5  # ceil(0.15 x 32)
    with pytest.raises(ValueError, match="Give one of `data`"):
        BertMaskedLMTrainingConfig(data=["a.txt"], dataset="tiny_shakespeare")
    with pytest.raises(TypeError, match="non-empty list of strings"):
        BertMaskedLMTrainingConfig(data=[])
    with pytest.raises(ValueError, match="text_columns"):
        BertMaskedLMTrainingConfig(data="a.tsv", text_columns="x")


def test_classifier_dataset_adds_the_texts_outside_the_classifiers_test_split(
    shared_data,
):
    from applications.bert.training import load_texts
    from applications.data.splits import split_arrays
    from applications.text_classifier.training import (
        TextClassifierTrainingConfig,
        load_examples,
    )

    classifier = TextClassifierTrainingConfig(dataset="mr", seed=1337)
    texts, labels, _ = load_examples(classifier)
    _, _, (test_texts, _) = split_arrays(texts, labels, **classifier.split_options())
    shakespeare = shared_data / "language_modeling" / "tinyshakespeare.txt"
    config = BertMaskedLMTrainingConfig(
        data=[str(shakespeare)], classifier_dataset="mr", seed=1337
    )
    lines, description = load_texts(config)
    own = BertMaskedLMTrainingConfig(data=[str(shakespeare)])
    count = len(lines) - len(load_texts(own)[0])
    assert (count, len(test_texts)) == (10_662 - 1_066, 1_066)
    assert not set(lines[-count:]) & set(test_texts)
    assert set(lines[-count:]) | set(test_texts) == set(texts)
    assert "9,596 outside the held-out test split (1,066, seed 1337)" in description
    assert config.split_sources()["validation"].endswith(
        "and mr's non-test texts (seed 1337)"
    )
    with pytest.raises(ValueError, match="classifier_dataset"):
        BertMaskedLMTrainingConfig(data=["a.txt"], classifier_dataset="sst2")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A preset written by `train mlm` from a .txt and a .tsv, and its record."""
    folder = tmp_path_factory.mktemp("mlm")
    sentences = corpus(300)
    (folder / "a.txt").write_text("\n".join(sentences[:200]) + "\n", encoding="utf-8")
    rows = [f"{i}\t{text}" for i, text in enumerate(sentences[200:])]
    (folder / "b.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    output = folder / "bert"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(
            ["train", "mlm", "--data", str(folder / "a.txt"), str(folder / "b.tsv"),
             "--text-columns", "1", "--output", str(output), "--epochs", "1",
             "--steps-per-epoch", "2", "--whole-word-masking", *TINY,
             "--checkpoint", str(folder / "best.weights.h5")]
        )  # fmt: skip
    assert status == 0
    return output, out.getvalue()


def test_train_mlm_writes_a_preset_with_its_record(trained):
    output, out = trained
    assert out.startswith(f"Wrote preset {str(output)!r}")
    assert "masked-token accuracy" in out
    metadata = json.loads((output / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["training_command"].startswith("keras-attention train mlm --data")
    assert metadata["training_wall_time_seconds"] > 0
    assert metadata["split_sizes"] == {"train": 270, "validation": 30, "test": 0}
    assert metadata["validation_loss"] == pytest.approx(
        metadata["history"]["val_loss"][0], abs=1e-3
    )
    assert 0 <= metadata["validation_masked_accuracy"] <= 1
    preprocessor = json.loads((output / "preprocessor.json").read_text())
    assert preprocessor["config"]["whole_word_masking"] is True


def test_fill_mask_command_prints_a_table(trained, capsys):
    output, _ = trained
    capsys.readouterr()
    text = "the cat sat on the [MASK]. the [MASK] ran to a tree."
    assert main(["fill-mask", "--preset", str(output), text, "--top-k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == text
    assert lines[1].split() == ["mask", "rank", "token", "probability"]
    rows = [line.split() for line in lines[2:]]
    assert [(row[0], row[1]) for row in rows] == [
        (str(mask), str(rank)) for mask in (1, 2) for rank in (1, 2, 3)
    ]
    assert all(row[-1].endswith("%") for row in rows)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["no mask here"], "without \\[MASK\\]"),
        ([], "Nothing to fill"),
    ],
)
def test_fill_mask_command_refuses_bad_texts(trained, capsys, arguments, message):
    output, _ = trained
    assert main(["fill-mask", "--preset", str(output), *arguments]) == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.startswith("keras-attention: error: ")
    assert re.search(message, error)


@pytest.mark.parametrize(
    "preset, message",
    [
        ("no_such_preset", "Known built-in presets: "),
        ("gpt_tiny_shakespeare", "gpt_tiny_shakespeare"),
        (
            str(PRESETS / "gpt_tiny_shakespeare"),
            "could not be loaded as a BertMaskedLM",
        ),
    ],
)
def test_fill_mask_command_refuses_other_presets(capsys, preset, message):
    assert main(["fill-mask", "--preset", preset, "a [MASK]"]) == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert message in error


def test_fill_mask_command_refuses_top_k_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fill-mask", "--preset", "bert_base_uncased", "a [MASK]", "--top-k", "0"])
    assert exit_info.value.code == 2
    assert "--top-k" in capsys.readouterr().err
