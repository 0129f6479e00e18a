"""The NB-weighted logistic regression teacher against numpy and its contract."""

import numpy as np
import pytest
import scipy.sparse

from applications.text_classifier.teacher import (
    log_count_ratio,
    naive_bayes_teacher_probabilities,
)

POSITIVE = ["a warm witty film", "warm and funny", "a smart witty script", "warm fun"]
NEGATIVE = ["a dull long film", "dull and boring", "a long boring script", "dull"]


def test_log_count_ratio_equals_the_formula():
    counts = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]])  # 3 texts, 3 features
    positive = np.array([True, True, False])
    p = 1 + counts[:2].sum(0)  # [3, 2, 2]
    q = 1 + counts[2:].sum(0)  # [1, 2, 2]
    expected = np.log((p / p.sum()) / (q / q.sum()))
    ratio = log_count_ratio(scipy.sparse.csr_matrix(counts), positive)
    np.testing.assert_allclose(ratio, expected)


def test_probabilities_are_out_of_fold_and_sum_to_one():
    texts = (POSITIVE + NEGATIVE) * 3
    labels = np.array(([1] * 4 + [0] * 4) * 3)
    probabilities = naive_bayes_teacher_probabilities(texts, labels, 2, folds=3)
    assert probabilities.shape == (24, 2) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-6)
    assert (probabilities.argmax(1) == labels).all()
    # Not memorized: a text whose words its teacher never saw is the least sure.
    texts[0] = "zany zany"
    probabilities = naive_bayes_teacher_probabilities(texts, labels, 2, folds=3)
    assert probabilities[0].max() < probabilities[1:].max(1).min()


@pytest.mark.parametrize(
    "kwargs, message",
    [({"folds": 1}, "folds"), ({"label_ids": [0, 1]}, "same length")],
)
def test_bad_arguments_are_rejected(kwargs, message):
    arguments = {"texts": POSITIVE + NEGATIVE, "label_ids": [1] * 4 + [0] * 4,
                 "num_classes": 2, **kwargs}  # fmt: skip
    with pytest.raises(ValueError, match=message):
        naive_bayes_teacher_probabilities(**arguments)
