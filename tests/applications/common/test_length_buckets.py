"""`batches(..., lengths, num_buckets)`: every batch is drawn from one
bucket of similar lengths, every example comes once per epoch, and the
order still changes from epoch to epoch."""

import numpy as np
import pytest

from applications.common.training import batches


def epoch(dataset):
    return [batch[1].tolist() for batch in dataset.as_numpy_iterator()]


def test_every_batch_comes_from_one_bucket():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 100, 203)
    texts = [f"example {i}" for i in range(len(lengths))]
    labels = np.arange(len(lengths))
    dataset = batches(texts, labels, 8, seed=1, lengths=lengths, num_buckets=4)
    first, second = epoch(dataset), epoch(dataset)
    edges = np.quantile(lengths, [0.25, 0.5, 0.75]).astype(int) + 1
    for batch in first:
        assert len(set(np.searchsorted(edges, lengths[batch], side="right"))) == 1
        assert 1 <= len(batch) <= 8
    # One epoch: each example once; at most one smaller batch per bucket.
    assert sorted(sum(first, [])) == labels.tolist()
    assert len(first) <= -(-len(labels) // 8) + 3
    assert first != second


def test_one_bucket_is_plain_batching():
    labels = np.arange(20)
    plain = epoch(batches([str(i) for i in labels], labels, 8))
    bucketed = epoch(batches([str(i) for i in labels], labels, 8, lengths=labels))
    assert plain == bucketed == [list(range(8)), list(range(8, 16)), [16, 17, 18, 19]]


def test_lengths_must_match_the_examples():
    with pytest.raises(ValueError, match=r"one length per example \(3\).*\(2,\)"):
        batches(["a", "b", "c"], [0, 1, 2], 2, lengths=[1, 2], num_buckets=2)
