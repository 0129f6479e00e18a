"""Attention scores and masks: score shapes and rows, Keras masks from
`mask_zero` embeddings, causality and padding invariance."""

import keras
import numpy as np
import pytest
from layer_harness import random_floats, to_numpy

from keras_attention import layers
from keras_attention.compat import keras_mask_of

ATTENTION_LAYERS = {
    "additive": lambda: layers.AdditiveAttention(units=4),
    "dot_product": lambda: layers.DotProductAttention(),
    "multi_head": lambda: layers.MultiHeadAttention(num_heads=2, key_dim=4),
}
ATTENTION = pytest.mark.parametrize("name", ATTENTION_LAYERS)
QUERY = random_floats(2, 4, 8, seed=1)
VALUE = random_floats(2, 6, 8, seed=2)
VALUE_MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], bool)


@ATTENTION
def test_scores_have_the_documented_shape_rows_sum_to_one_masked_keys_zero(name):
    attention_mask = np.ones((2, 4, 6), bool)
    attention_mask[1, 2, 1:4] = False
    attention_mask[0, 3, :] = False  # no key at all: a row of zeros
    output, scores = ATTENTION_LAYERS[name]()(
        QUERY,
        VALUE,
        value_mask=VALUE_MASK,
        attention_mask=attention_mask,
        return_attention_scores=True,
    )
    scores = to_numpy(scores)
    expected_shape = (2, 2, 4, 6) if name == "multi_head" else (2, 4, 6)
    assert scores.shape == expected_shape
    if name != "multi_head":
        scores = scores[:, None]  # (B, 1, T, S), as if one head
    allowed = attention_mask & VALUE_MASK[:, None, :]  # (B, T, S)
    has_key = allowed.any(axis=-1)
    np.testing.assert_allclose(
        scores.sum(axis=-1),
        np.broadcast_to(has_key[:, None], scores.shape[:-1]) * 1.0,
        rtol=1e-6,
    )
    np.testing.assert_array_equal(
        scores[np.broadcast_to(~allowed[:, None], scores.shape)], 0.0
    )
    np.testing.assert_array_equal(to_numpy(output)[0, 3], 0.0)


def _embedded_with_mask_zero(ids, width=8, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.layers.Embedding(20, width, mask_zero=True)(ids)


@ATTENTION
def test_keras_masks_from_mask_zero_embeddings_fill_query_and_value_masks(name):
    query_ids = np.array([[3, 5, 0, 0], [1, 2, 3, 4]], "int32")
    value_ids = np.array([[7, 7, 7, 7, 0, 0], [9, 8, 7, 6, 5, 4]], "int32")
    layer = ATTENTION_LAYERS[name]()
    query = _embedded_with_mask_zero(query_ids, seed=1)
    value = _embedded_with_mask_zero(value_ids, seed=2)
    output = layer(query, value)
    np.testing.assert_array_equal(to_numpy(keras_mask_of(output)), query_ids != 0)
    expected = layer(
        to_numpy(query),
        to_numpy(value),
        query_mask=query_ids != 0,
        value_mask=value_ids != 0,
    )
    np.testing.assert_allclose(to_numpy(output), to_numpy(expected), atol=1e-6)
    # Masked queries output 0, and padded values are ignored.
    np.testing.assert_array_equal(to_numpy(output)[0, 2:], 0.0)


def test_keras_masks_propagate_through_a_functional_model_with_shared_inputs():
    ids = keras.Input(shape=(5,), dtype="int32")
    embed = layers.TokenAndPositionEmbedding(20, 5, 8, mask_zero=True)
    attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    encoder = layers.TransformerEncoderBlock(num_heads=2, intermediate_dim=16)
    hidden = embed(ids)
    # `hidden` feeds two layers: the first must not strip the mask of the second.
    attended = attention(hidden, hidden)
    encoded = encoder(hidden)
    model = keras.Model(ids, [attended, encoded])
    token_ids = np.array([[4, 9, 2, 0, 0], [1, 2, 3, 4, 5]], "int32")
    attended, encoded = model(token_ids)
    embedded = to_numpy(embed(token_ids))
    padding = token_ids != 0
    expected_attended = attention(
        embedded, embedded, query_mask=padding, value_mask=padding
    )
    expected_encoded = encoder(embedded, padding_mask=padding)
    np.testing.assert_allclose(
        to_numpy(attended), to_numpy(expected_attended), atol=1e-5
    )
    np.testing.assert_allclose(to_numpy(encoded), to_numpy(expected_encoded), atol=1e-5)


def _changed_after(x, position, seed):
    """A copy of `x` (B, T, E) with every position after `position` redrawn."""
    changed = x.copy()
    changed[:, position + 1 :] = random_floats(
        *changed[:, position + 1 :].shape, seed=seed
    )
    return changed


CAUSAL_LAYERS = dict(
    ATTENTION_LAYERS,
    grouped_rotary=lambda: layers.MultiHeadAttention(
        num_heads=2, key_dim=4, num_key_value_heads=1, use_rotary_embedding=True
    ),
)


@pytest.mark.parametrize("name", CAUSAL_LAYERS)
@pytest.mark.parametrize("return_scores", [False, True], ids=["fused", "explicit"])
def test_causal_output_at_t_ignores_inputs_after_t(name, return_scores):
    layer = CAUSAL_LAYERS[name]()
    x = random_floats(2, 6, 8, seed=3)

    def outputs(inputs):
        result = layer(
            inputs, inputs, use_causal_mask=True, return_attention_scores=return_scores
        )
        return to_numpy(result[0] if return_scores else result)

    before = outputs(x)
    for t in (1, 4):
        after = outputs(_changed_after(x, t, seed=10 + t))
        np.testing.assert_allclose(after[:, : t + 1], before[:, : t + 1], atol=1e-5)
        assert not np.allclose(after[:, t + 1 :], before[:, t + 1 :])


def test_decoder_block_output_at_t_ignores_inputs_after_t():
    block = layers.TransformerDecoderBlock(num_heads=2, intermediate_dim=16)
    x, source = random_floats(2, 6, 8, seed=4), random_floats(2, 3, 8, seed=5)
    before = to_numpy(block(x, encoder_sequence=source))
    after = to_numpy(block(_changed_after(x, 2, seed=6), encoder_sequence=source))
    np.testing.assert_allclose(after[:, :3], before[:, :3], atol=1e-5)


@ATTENTION
def test_outputs_at_kept_positions_ignore_padded_keys(name):
    layer = ATTENTION_LAYERS[name]()
    changed = VALUE.copy()
    changed[~VALUE_MASK] = 100.0 * random_floats(int((~VALUE_MASK).sum()), 8, seed=7)
    before = to_numpy(layer(QUERY, VALUE, value_mask=VALUE_MASK))
    after = to_numpy(layer(QUERY, changed, value_mask=VALUE_MASK))
    np.testing.assert_allclose(after, before, atol=1e-5)


@pytest.mark.parametrize("normalize_first", [False, True], ids=["post_ln", "pre_ln"])
def test_encoder_block_outputs_at_kept_positions_ignore_padded_tokens(normalize_first):
    block = layers.TransformerEncoderBlock(2, 16, normalize_first=normalize_first)
    x = random_floats(2, 6, 8, seed=8)
    changed = x.copy()
    changed[~VALUE_MASK] = 50.0
    before = to_numpy(block(x, padding_mask=VALUE_MASK))
    after = to_numpy(block(changed, padding_mask=VALUE_MASK))
    np.testing.assert_allclose(after[VALUE_MASK], before[VALUE_MASK], atol=1e-5)
