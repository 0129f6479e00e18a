"""The three attention layers against independent references: numpy formulas
and `keras.layers.MultiHeadAttention` with copied weights."""

import keras
import numpy as np
import pytest
from layer_harness import random_floats, to_numpy
from numpy_references import multi_head_attention, softmax_attention

from keras_attention import layers

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _mask(batch, query_length, key_length, seed):
    """A random (B, T, S) mask leaving every query at least one key."""
    mask = np.random.default_rng(seed).random((batch, query_length, key_length)) > 0.4
    mask[..., 0] = True
    return mask


MHA_CASES = {
    "self": dict(config={}, query=(2, 4, 8), value=None, call={}),
    "cross_with_own_widths_and_attention_mask": dict(
        config={"value_dim": 3, "output_dim": 5, "use_bias": False},
        query=(2, 4, 8),
        value=(2, 6, 7),
        call={"attention_mask": _mask(2, 4, 6, seed=3)},
    ),
    "causal_and_padding_masks": dict(
        config={},
        query=(2, 6, 8),
        value=None,
        call={
            "use_causal_mask": True,
            "value_mask": np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool),
        },
    ),
}


@pytest.mark.parametrize("name", MHA_CASES)
def test_multi_head_attention_equals_keras_layer_with_copied_weights(name):
    case = MHA_CASES[name]
    query = random_floats(*case["query"], seed=1)
    value = query if case["value"] is None else random_floats(*case["value"], seed=2)
    # key_dim is per head in both layers.
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=4, **case["config"])
    config = dict(case["config"])
    if "output_dim" in config:
        config["output_shape"] = config.pop("output_dim")
    reference = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, **config)
    output, scores = ours(query, value, return_attention_scores=True, **case["call"])
    # Keras' fused path fails on jax when value_dim != key_dim: use scores.
    reference(query, value, return_attention_scores=True, **case["call"])
    reference.set_weights(ours.get_weights())
    expected, expected_scores = reference(
        query, value, return_attention_scores=True, **case["call"]
    )
    np.testing.assert_allclose(to_numpy(output), to_numpy(expected), **TOLERANCE)
    np.testing.assert_allclose(to_numpy(scores), to_numpy(expected_scores), **TOLERANCE)
    # The fused path (no scores) gives the same output.
    fused = ours(query, value, **case["call"])
    np.testing.assert_allclose(to_numpy(fused), to_numpy(expected), **TOLERANCE)


@pytest.mark.parametrize(
    "num_kv_heads, causal", [(1, False), (2, True)], ids=["multi_query", "grouped"]
)
def test_grouped_query_attention_equals_numpy_with_repeated_kv_heads(
    num_kv_heads, causal
):
    query = random_floats(2, 6, 8, seed=4)
    layer = layers.MultiHeadAttention(
        num_heads=4, key_dim=3, num_key_value_heads=num_kv_heads
    )
    output, scores = layer(
        query, query, use_causal_mask=causal, return_attention_scores=True
    )
    assert tuple(layer.key_dense.kernel.shape) == (8, num_kv_heads, 3)
    mask = np.tril(np.ones((6, 6), bool))[None] if causal else None
    expected, expected_scores = multi_head_attention(
        query, query, [to_numpy(w) for w in layer.weights], 4, num_kv_heads, mask
    )
    np.testing.assert_allclose(to_numpy(output), expected, **TOLERANCE)
    np.testing.assert_allclose(to_numpy(scores), expected_scores, **TOLERANCE)
    fused = layer(query, query, use_causal_mask=causal)
    np.testing.assert_allclose(to_numpy(fused), expected, **TOLERANCE)


@pytest.mark.parametrize("score_mode", ["dot", "scaled_dot", "general"])
def test_dot_product_attention_equals_numpy(score_mode):
    query_width = 6 if score_mode == "general" else 4
    query = random_floats(2, 3, query_width, seed=5)
    key = random_floats(2, 5, 4, seed=6)
    value = random_floats(2, 5, 7, seed=7)
    mask = _mask(2, 3, 5, seed=8)
    layer = layers.DotProductAttention(score_mode=score_mode)
    output, scores = layer(
        query, value, key=key, attention_mask=mask, return_attention_scores=True
    )
    if score_mode == "general":
        raw = query @ to_numpy(layer.kernel) @ np.swapaxes(key, 1, 2)
    else:
        raw = query @ np.swapaxes(key, 1, 2)
    if score_mode == "scaled_dot":
        raw = raw / np.sqrt(4)
    expected, expected_scores = softmax_attention(raw, value, mask)
    np.testing.assert_allclose(to_numpy(output), expected, **TOLERANCE)
    np.testing.assert_allclose(to_numpy(scores), expected_scores, **TOLERANCE)
    fused = layer(query, value, key=key, attention_mask=mask)
    np.testing.assert_allclose(to_numpy(fused), expected, **TOLERANCE)


def test_additive_attention_equals_numpy_bahdanau_formula():
    # The query (decoder state) and key (encoder output) widths differ.
    query = random_floats(2, 3, 6, seed=9)
    key = random_floats(2, 5, 4, seed=10)
    value = random_floats(2, 5, 7, seed=11)
    mask = _mask(2, 3, 5, seed=12)
    layer = layers.AdditiveAttention(units=8)
    output, scores = layer(
        query, value, key=key, attention_mask=mask, return_attention_scores=True
    )
    w_q, w_k, v = (
        to_numpy(layer.query_kernel),
        to_numpy(layer.key_kernel),
        to_numpy(layer.score_vector),
    )
    # score(q, k) = v^T tanh(W_q q + W_k k)
    hidden = np.tanh((query @ w_q)[:, :, None, :] + (key @ w_k)[:, None, :, :])
    expected, expected_scores = softmax_attention(hidden @ v, value, mask)
    np.testing.assert_allclose(to_numpy(output), expected, **TOLERANCE)
    np.testing.assert_allclose(to_numpy(scores), expected_scores, **TOLERANCE)
