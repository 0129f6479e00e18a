"""Tests of the text classification loaders and seeded splits."""

import numpy as np
import pytest

from applications.data.splits import split_indices
from applications.data.text_classification import load_labeled_tsv


def _write(tmp_path, text):
    path = tmp_path / "data.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_tsv_text_then_label_with_header(tmp_path):
    path = _write(tmp_path, "sentence\tlabel\ngood film\t1\nbad film\t0\n")
    assert load_labeled_tsv(path) == (["good film", "bad film"], ["1", "0"])


def test_tsv_label_then_text(tmp_path):
    path = _write(tmp_path, "pos\tgood film\nneg\tbad film\n")
    texts, labels = load_labeled_tsv(path, text_column=1)
    assert texts == ["good film", "bad film"] and labels == ["pos", "neg"]


def test_tsv_malformed_line_names_file_and_line(tmp_path):
    path = _write(tmp_path, "good film\t1\nno tab here\n")
    with pytest.raises(ValueError, match=r"data\.tsv:2"):
        load_labeled_tsv(path)


def test_tsv_empty_file(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        load_labeled_tsv(_write(tmp_path, ""))


def test_split_is_seeded_disjoint_and_complete():
    train, validation, test = split_indices(100, 0.1, 0.2, seed=3)
    again = split_indices(100, 0.1, 0.2, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, validation, test), again))
    union = np.concatenate([train, validation, test])
    assert sorted(union.tolist()) == list(range(100))
    assert (len(train), len(validation), len(test)) == (70, 10, 20)
    # The held-out test part does not depend on the validation fraction.
    assert np.array_equal(split_indices(100, 0.3, 0.2, seed=3)[2], test)


def test_movie_review_polarity_on_real_data(shared_data):
    from applications.data.text_classification import load_movie_review_polarity

    texts, labels = load_movie_review_polarity(shared_data / "classification")
    assert len(texts) == len(labels) == 10662
    assert labels.count("positive") == labels.count("negative") == 5331
    assert all(text.strip() for text in texts)
