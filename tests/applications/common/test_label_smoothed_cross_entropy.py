"""Label-smoothed cross-entropy against a numpy implementation of the formula."""

import keras
import numpy as np
import pytest

from applications.common.label_smoothed_cross_entropy import (
    SparseLabelSmoothedCrossEntropy,
)


def numpy_label_smoothed(labels, logits, epsilon):
    """(1 - ε)(−log p_y) + ε mean_v(−log p_v) per position, in float64."""
    logits = logits.astype("float64")
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, labels[..., None], -1)[..., 0]
    return (1 - epsilon) * nll - epsilon * log_probs.mean(-1)


def random_case(seed=0, batch=3, length=5, classes=11, scale=4.0):
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((batch, length, classes))).astype("float32")
    labels = rng.integers(0, classes, (batch, length))
    # Padding at the end of each row, as the preprocessor's sample weights.
    lengths = np.array([length, 3, 1])[:batch]
    weights = (np.arange(length)[None] < lengths[:, None]).astype("float32")
    return labels, logits, weights


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.35])
def test_equals_numpy_formula_with_padding_weights(epsilon):
    labels, logits, weights = random_case()
    expected = numpy_label_smoothed(labels, logits, epsilon)
    loss = SparseLabelSmoothedCrossEntropy(epsilon, reduction=None)
    found = keras.ops.convert_to_numpy(loss(labels, logits, sample_weight=weights))
    np.testing.assert_allclose(found, expected * weights, rtol=1e-5, atol=1e-6)
    # Keras' "sum_over_batch_size": the weighted sum over all B·T positions.
    reduced = SparseLabelSmoothedCrossEntropy(epsilon)(labels, logits, weights)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(reduced)),
        (expected * weights).sum() / weights.size,
        rtol=1e-5,
    )


def test_zero_smoothing_is_sparse_categorical_cross_entropy():
    labels, logits, weights = random_case(seed=1)
    reference = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ours = SparseLabelSmoothedCrossEntropy(0.0)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(ours(labels, logits, weights))),
        float(keras.ops.convert_to_numpy(reference(labels, logits, weights))),
        rtol=1e-6,
    )


def test_equals_keras_categorical_label_smoothing_on_one_hot_labels():
    labels, logits, _ = random_case(seed=2)
    one_hot = np.eye(logits.shape[-1], dtype="float32")[labels]
    reference = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=0.2
    )
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(reference(one_hot, logits))),
        float(
            keras.ops.convert_to_numpy(
                SparseLabelSmoothedCrossEntropy(0.2)(labels, logits)
            )
        ),
        rtol=1e-5,
    )


def test_large_and_half_precision_logits_stay_finite():
    labels, logits, weights = random_case(seed=3, scale=1e4)
    found = SparseLabelSmoothedCrossEntropy(0.1, reduction=None)(
        labels, logits, weights
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(found),
        numpy_label_smoothed(labels, logits, 0.1) * weights,
        rtol=1e-5,
    )
    half = SparseLabelSmoothedCrossEntropy(0.1)(
        labels, keras.ops.cast(logits / 1e3, "float16"), weights
    )
    assert np.isfinite(float(keras.ops.convert_to_numpy(half)))


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2])
def test_smoothing_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match=r"label_smoothing.*\[0, 1\)"):
        SparseLabelSmoothedCrossEntropy(bad)


def test_config_round_trip():
    loss = SparseLabelSmoothedCrossEntropy(0.2, name="smoothed")
    again = SparseLabelSmoothedCrossEntropy.from_config(loss.get_config())
    assert again.label_smoothing == 0.2 and again.name == "smoothed"
