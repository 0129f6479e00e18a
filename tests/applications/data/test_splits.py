"""Seeded, stratified train / validation / test splits."""

import numpy as np

from applications.data.splits import stratified_split


def test_stratified_split_is_seeded_disjoint_and_balanced():
    labels = np.repeat(np.arange(4), 25)  # 100 examples, 4 classes
    train, validation, test = stratified_split(labels, 0.2, 0.25, seed=7)
    again = stratified_split(labels, 0.2, 0.25, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip((train, validation, test), again))
    assert (len(train), len(validation), len(test)) == (60, 20, 20)
    assert len(set(train) | set(validation) | set(test)) == 100
    assert np.bincount(labels[test]).tolist() == [5, 5, 5, 5]
    # The test set does not depend on the validation fraction.
    assert np.array_equal(stratified_split(labels, 0.2, 0.0, seed=7)[2], test)
