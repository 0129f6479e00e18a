"""Bad input raises a ValueError naming the argument, what was received and
what was expected."""

import numpy as np
import pytest
from layer_harness import random_floats

from keras_attention import layers

X = random_floats(2, 5, 8, seed=1)


def _call_twice(layer, first, second):
    layer(*first)
    layer(*second)


BAD_CALLS = {
    # Mismatched last dimensions.
    "dot_query_key_widths": (
        lambda: layers.DotProductAttention()(random_floats(2, 5, 6), X),
        r"query.shape\[-1\]=6.*key.shape\[-1\]=8",
    ),
    "multi_head_query_width_changed": (
        lambda: _call_twice(
            layers.MultiHeadAttention(2, 4), (X, X), (random_floats(2, 5, 6), X)
        ),
        r"`query`.*Received: query.shape=\(2, 5, 6\).*expected.*8",
    ),
    "multi_head_cache_head_size": (
        lambda: layers.MultiHeadAttention(2, 4)(
            X[:, :1],
            X[:, :1],
            cache=np.zeros((2, 2, 5, 2, 3), "float32"),
            cache_update_index=0,
        ),
        r"`cache`.*Received: cache.shape=\(2, 2, 5, 2, 3\), "
        r"expected \(batch, 2, cache_length, 2, 4\)",
    ),
    "key_value_lengths": (
        lambda: layers.AdditiveAttention(4)(X, X, key=random_floats(2, 3, 8)),
        r"`key` and `value`.*same length.*"
        r"key.shape=\(2, 3, 8\).*value.shape=\(2, 5, 8\)",
    ),
    # Wrong ranks.
    "additive_query_rank": (
        lambda: layers.AdditiveAttention(4)(X[0], X),
        r"`query` must have rank 3.*Received: query.shape=\(5, 8\)",
    ),
    "dot_product_value_rank": (
        lambda: layers.DotProductAttention()(X, X[..., None]),
        r"`value` must have rank 3.*Received: value.shape=\(2, 5, 8, 1\)",
    ),
    "multi_head_query_rank": (
        lambda: layers.MultiHeadAttention(2, 4)(X[0], X),
        r"`query` must have rank 3.*Received: query.shape=\(5, 8\)",
    ),
    "encoder_rank": (
        lambda: layers.TransformerEncoderBlock(2, 8)(X[0]),
        r"`inputs` must have rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "sinusoidal_rank": (
        lambda: layers.SinusoidalPositionEncoding()(X[0]),
        r"rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "learned_position_rank": (
        lambda: layers.LearnedPositionEmbedding(8)(X[0]),
        r"rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "token_ids_rank": (
        lambda: layers.TokenAndPositionEmbedding(10, 8, 4)(np.ones((2, 3, 1), "int32")),
        r"\(batch, length\).*Received: inputs.shape=\(2, 3, 1\)",
    ),
    "rotary_odd_width": (
        lambda: layers.RotaryEmbedding()(random_floats(2, 5, 7)),
        r"even.*last dimension.*Received: inputs.shape=\(2, 5, 7\)",
    ),
    # Heads that do not divide.
    "num_heads_not_dividing_width": (
        lambda: layers.TransformerEncoderBlock(num_heads=3, intermediate_dim=8)(X),
        r"`num_heads` must divide.*Received: num_heads=3, inputs.shape=\(2, 5, 8\)",
    ),
    "decoder_num_heads_not_dividing_width": (
        lambda: layers.TransformerDecoderBlock(num_heads=5, intermediate_dim=8)(X),
        r"`num_heads` must divide.*Received: num_heads=5",
    ),
    "num_key_value_heads_not_dividing": (
        lambda: layers.MultiHeadAttention(4, 2, num_key_value_heads=3),
        r"`num_key_value_heads` must divide `num_heads`.*"
        r"Received: num_key_value_heads=3, num_heads=4",
    ),
    # Token ids and table lengths.
    "float_token_ids": (
        lambda: layers.TokenAndPositionEmbedding(10, 8, 4)(np.ones((2, 3), "float32")),
        r"integer token ids.*Received: inputs.dtype=float32",
    ),
    "sequence_longer_than_table": (
        lambda: layers.LearnedPositionEmbedding(sequence_length=4)(X),
        r"longer than `sequence_length`.*length 5.*at most sequence_length=4",
    ),
    "token_sequence_longer_than_table": (
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)(np.ones((2, 6), "int32")),
        r"longer than `sequence_length`.*length 6.*at most sequence_length=4",
    ),
    "positions_past_the_table_end": (
        lambda: layers.LearnedPositionEmbedding(sequence_length=6)(X, start_index=3),
        r"`start_index`.*Received: start_index=3.*length 5.*"
        r"at most sequence_length=6",
    ),
    # Constructor arguments.
    "dropout_range": (
        lambda: layers.DotProductAttention(dropout=1.5),
        r"`dropout` must be in \[0, 1\). Received: dropout=1.5",
    ),
    "score_mode": (
        lambda: layers.DotProductAttention(score_mode="cosine"),
        r"`score_mode` must be one of .*Received: score_mode='cosine'",
    ),
    "num_heads_type": (
        lambda: layers.MultiHeadAttention(num_heads=0, key_dim=4),
        r"`num_heads` must be a positive integer. Received: num_heads=0",
    ),
    "position_kind": (
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8, position="rotary"),
        r"`position` must be one of .*Received: position='rotary'",
    ),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_input_raises_value_error_naming_received_and_expected(name):
    call, message = BAD_CALLS[name]
    with pytest.raises(ValueError, match=message):
        call()
