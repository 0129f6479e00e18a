"""Regression tests of the reliability bug report, one named test per failing
case (float16 overflow, positions past the table, a left-padded cache, a
batch mismatch, a cache overflow), and the documented behaviour of indices
that cannot be checked because they are traced (clipped to range, the same
on every backend).

Where a test needs a traced value it runs the call under `jax.jit` on JAX
and `tf.function` on TensorFlow. PyTorch runs eagerly, where every value is
known and checked; there the test marks values as unknown
(`checks.is_concrete` patched to answer False), as inside `torch.compile`,
which would take longer than the whole file.
"""

import keras
import numpy as np
import numpy_references as references
import pytest
from layer_harness import random_floats, to_numpy

from keras_attention import checks, layers

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


# --- float16: Q K^T no longer overflows ---------------------------------------


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")
def test_float16_smallest_case_of_the_bug_report_is_not_nan():
    a = np.full((1, 1, 64), 40.0, "float16")
    attention = layers.DotProductAttention(dtype="float16")
    output, scores = attention(a, a, a, return_attention_scores=True)
    np.testing.assert_array_equal(to_numpy(output), 40.0)
    np.testing.assert_array_equal(to_numpy(scores), 1.0)
    np.testing.assert_array_equal(to_numpy(attention(a, a, a)), 40.0)


@pytest.mark.parametrize("return_scores", [False, True], ids=["fused", "scores"])
def test_float16_attention_equals_a_float64_reference_at_large_magnitudes(
    return_scores,
):
    pattern = np.random.default_rng(0).uniform(0.5, 1.5, (2, 3, 64))
    attention = layers.DotProductAttention(dtype="float16")
    for magnitude in (1.0, 40.0, 150.0, 300.0, 1000.0, 5000.0):
        x = (pattern * magnitude).astype("float16")
        result = attention(x, x, return_attention_scores=return_scores)
        output = to_numpy(result[0] if return_scores else result)
        exact = x.astype("float64")
        scores = exact @ np.swapaxes(exact, -1, -2) / np.sqrt(64)
        expected, weights = references.softmax_attention(scores, exact)
        assert np.all(np.isfinite(output)), magnitude
        # float16 keeps 11 significant bits: outputs to ~1e-3 of their size.
        np.testing.assert_allclose(
            output, expected, rtol=2e-3, atol=2e-3 * magnitude, err_msg=magnitude
        )
        if return_scores:
            np.testing.assert_allclose(to_numpy(result[1]), weights, atol=2e-3)


# Input magnitudes 10 * 2^(k/2): 10, 14, 20, ... up to 20480 (float16 ends
# at 65504; the inputs, up to ~3 times the magnitude, stay finite).
MAGNITUDES = [10 * 2 ** (k / 2) for k in range(23)]


def _float16_survival(layer, reference, pattern, return_scores):
    """The largest magnitude up to which every grid point gives a finite
    output within 10% (of its largest entry) of the float32 reference."""
    survived = 0.0
    for magnitude in MAGNITUDES:
        x = (pattern * magnitude).astype("float16")
        expected = to_numpy(reference(x.astype("float32"), x.astype("float32")))
        result = layer(x, x, return_attention_scores=return_scores)
        output = to_numpy(result[0] if return_scores else result)
        error = np.max(np.abs(output - expected))
        if not np.all(np.isfinite(output)) or error > 0.1 * np.max(np.abs(expected)):
            break
        survived = magnitude
    return survived


@pytest.mark.parametrize("return_scores", [False, True], ids=["fused", "scores"])
def test_float16_multi_head_attention_survives_as_far_as_keras_layer(return_scores):
    """Measured, not assumed: both layers share weights. Keras'
    MultiHeadAttention computes Q K^T in float16 (its query scaled first):
    here it survives to 160 with scores (every backend) and to 80 without
    on TensorFlow (NaN from 226 and 113); the bug report saw 400-600 with
    other sizes. Ours must last at least as long, and at least to 640; it
    lasts to 14482, where its float16 projections overflow."""
    pattern = random_floats(1, 4, 16, seed=5)
    reference = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    reference(pattern, pattern)
    rng = np.random.default_rng(0)
    reference.set_weights(
        [0.3 * rng.standard_normal(w.shape) for w in reference.get_weights()]
    )
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8, dtype="float16")
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=8, dtype="float16")
    for layer in (theirs, ours):
        layer(pattern, pattern)
        layer.set_weights(reference.get_weights())
    survived = {
        name: _float16_survival(layer, reference, pattern, return_scores)
        for name, layer in (("keras", theirs), ("ours", ours))
    }
    assert survived["ours"] >= max(survived["keras"], 640.0), survived


# --- positions past the table ---------------------------------------------------


def test_positions_past_the_table_raise_for_a_tensor_start_index():
    table = layers.LearnedPositionEmbedding(sequence_length=4)
    tokens = layers.TokenAndPositionEmbedding(10, 4, 8)
    start = keras.ops.convert_to_tensor(3)
    with pytest.raises(ValueError, match=r"Received: start_index=3 and length 2"):
        table(np.zeros((1, 2, 8), "float32"), start_index=start)
    with pytest.raises(ValueError, match=r"Received: start_index=3 and length 2"):
        tokens(np.ones((1, 2), "int32"), start_index=start)
    # The last valid start still works, as a tensor too.
    last = to_numpy(table(np.zeros((1, 2, 8), "float32"), start_index=start - 1))
    np.testing.assert_array_equal(last[0], to_numpy(table.position_embeddings)[2:])


# --- the left-padded cache ------------------------------------------------------


def _left_padding(lengths, length):
    """(B, length) mask of prompts of `lengths` real tokens, left-padded."""
    return np.arange(length)[None, :] >= length - np.asarray(lengths)[:, None]


# The shapes of the cached-decoding tests of test_transformer_blocks.py
# (B = 2, L = 6, E = 8, 4 source tokens): on JAX, ops compile once per shape.
@pytest.mark.parametrize(
    "lengths, cache_length, source_length",
    [([1], 2, None), ([2, 5], 6, 4)],
    ids=["smallest_case", "batch_of_prompts"],
)
def test_left_padded_cached_decoding_equals_the_full_pass(
    lengths, cache_length, source_length
):
    """One decoder-only item of 2 tokens with padding mask [[False, True]]
    (the bug report's smallest case: the steps differed by up to ~2), and a
    batch of prompts of different lengths with cross-attention. The
    cache's padding goes in `cache_padding_mask` at every step."""
    padding = _left_padding(lengths, cache_length)  # (B, L)
    batch = len(lengths)
    x = random_floats(batch, cache_length, 8, seed=11)
    source = None
    if source_length:
        source = random_floats(batch, source_length, 8, seed=12)
    block = layers.TransformerDecoderBlock(2, 16)
    full = to_numpy(block(x, source, decoder_padding_mask=padding))
    cache = np.zeros((batch, 2, cache_length, 2, 4), "float32")  # (B, 2, L, H, D)
    steps = []
    for index in range(cache_length):
        step, cache = block(
            x[:, index : index + 1],
            source,
            decoder_padding_mask=padding[:, index : index + 1],
            self_attention_cache=cache,
            cache_update_index=index,
            cache_padding_mask=padding,
        )
        steps.append(to_numpy(step))
    stepwise = np.concatenate(steps, axis=1)
    np.testing.assert_allclose(stepwise[padding], full[padding], **TOLERANCE)


def test_left_padded_cached_attention_equals_the_full_pass_with_a_prefix():
    """MultiHeadAttention (grouped, rotary): a prefix of 3 tokens, then one
    at a time, left-padded prompts of 4 and 2 tokens in 6 slots."""
    padding = _left_padding([4, 2], 6)
    x = random_floats(2, 6, 8, seed=13)
    layer = layers.MultiHeadAttention(
        num_heads=4, key_dim=2, num_key_value_heads=2, use_rotary_embedding=True
    )
    full = to_numpy(
        layer(x, x, query_mask=padding, value_mask=padding, use_causal_mask=True)
    )
    cache = np.zeros((2, 2, 6, 2, 2), "float32")
    steps = []
    for start, end in ((0, 3), (3, 4), (4, 5), (5, 6)):
        step, cache = layer(
            x[:, start:end],
            x[:, start:end],
            use_causal_mask=True,
            cache=cache,
            cache_update_index=start,
            cache_padding_mask=padding,
        )
        steps.append(to_numpy(step))
    stepwise = np.concatenate(steps, axis=1)
    np.testing.assert_allclose(stepwise[padding], full[padding], **TOLERANCE)


# --- batch mismatch ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.AdditiveAttention(4),
        lambda: layers.DotProductAttention(),
        lambda: layers.MultiHeadAttention(2, 4),
    ],
    ids=["additive", "dot_product", "multi_head"],
)
def test_query_batch_of_one_with_value_batch_of_four_raises(make):
    query, value = random_floats(1, 3, 8), random_floats(4, 3, 8)
    with pytest.raises(ValueError, match=r"`query` and `value` must have the same"):
        make()(query, value)


# --- cache overflow -------------------------------------------------------------


@pytest.mark.parametrize(
    "index, as_tensor",
    [(3, False), (-1, False), (7, True), (-2, True)],
    ids=["past", "before", "tensor_past", "tensor_before"],
)
def test_cache_update_index_outside_the_cache_raises(index, as_tensor):
    """TF and JAX overwrote the last slot, torch wrote nothing and returned
    zeros; a known index outside [0, L - T] now raises everywhere."""
    if as_tensor:
        index = keras.ops.convert_to_tensor(index)
    layer = layers.MultiHeadAttention(2, 4)
    token = random_floats(1, 1, 8)
    cache = np.zeros((1, 2, 3, 2, 4), "float32")
    with pytest.raises(ValueError, match=r"expected 0 <= cache_update_index <= 2"):
        layer(token, token, cache=cache, cache_update_index=index)


# --- traced indices: one documented behaviour on every backend ---------------


def _traced(function, *args):
    """`function(*args)` with the arguments traced: `jax.jit` on JAX,
    `tf.function` on TensorFlow, values marked unknown on torch."""
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.jit(function)(*args)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function)(*[tf.constant(arg) for arg in args])
    patch = pytest.MonkeyPatch()
    patch.setattr(checks, "is_concrete", lambda x: False)
    try:
        return function(*[keras.ops.convert_to_tensor(arg) for arg in args])
    finally:
        patch.undo()


@pytest.mark.parametrize("index, clipped", [(5, 2), (-4, 0)])
def test_a_traced_cache_update_index_is_clipped_to_the_cache(index, clipped):
    layer = layers.MultiHeadAttention(2, 4, use_rotary_embedding=True)
    token = random_floats(1, 1, 8, seed=3)
    cache = random_floats(1, 2, 3, 2, 4, seed=4)

    def step(cache_index):
        return layer(token, token, cache=cache, cache_update_index=cache_index)

    expected_output, expected_cache = step(clipped)
    output, new_cache = _traced(step, np.int32(index))
    np.testing.assert_allclose(to_numpy(output), to_numpy(expected_output), **TOLERANCE)
    np.testing.assert_allclose(
        to_numpy(new_cache), to_numpy(expected_cache), **TOLERANCE
    )
    # The new token's entries landed in the cache.
    assert np.any(to_numpy(new_cache)[:, :, clipped] != cache[:, :, clipped])


def test_traced_positions_past_the_table_take_its_last_row():
    layer = layers.LearnedPositionEmbedding(sequence_length=4)
    x = np.zeros((1, 3, 8), "float32")
    layer(x)
    table = to_numpy(layer.position_embeddings)
    positions = _traced(lambda start: layer(x, start_index=start), np.int32(2))
    np.testing.assert_array_equal(to_numpy(positions)[0], table[[2, 3, 3]])


def test_traced_token_ids_out_of_range_are_clipped_to_the_vocabulary():
    layer = layers.TokenAndPositionEmbedding(10, 4, 8, mask_zero=True)
    ids = np.array([[12, -1, 3]], "int32")
    clipped = layer(np.array([[9, 0, 3]], "int32"))
    embedded = _traced(layer, ids)
    assert np.all(np.isfinite(to_numpy(embedded)))
    np.testing.assert_allclose(to_numpy(embedded), to_numpy(clipped), **TOLERANCE)


# --- nested lists -------------------------------------------------------------


def test_nested_lists_are_inputs_like_arrays_on_every_backend():
    query, value = random_floats(1, 2, 4, seed=6), random_floats(1, 3, 4, seed=7)
    attention = layers.DotProductAttention()
    np.testing.assert_allclose(
        to_numpy(attention(query.tolist(), value.tolist())),
        to_numpy(attention(query, value)),
        **TOLERANCE,
    )
    embedding = layers.TokenAndPositionEmbedding(10, 4, 8)
    np.testing.assert_array_equal(
        to_numpy(embedding([[1, 2, 3]])),
        to_numpy(embedding(np.array([[1, 2, 3]], "int32"))),
    )
    mask = [[True, False, True]]
    np.testing.assert_allclose(
        to_numpy(attention(query, value, value_mask=mask)),
        to_numpy(attention(query, value, value_mask=np.array(mask))),
        **TOLERANCE,
    )
