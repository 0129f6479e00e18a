"""Bad input raises a ValueError or TypeError naming the argument, what was
received and what was expected, the same on every backend.

A catalogue of bad inputs in tables by kind: constructor arguments, call
inputs (shapes, dtypes, nested lists), masks, caches and indices, and the
ops. Each entry gives the public layer or op it exercises, the argument
the message must name in backticks, the call, the error type, and a
pattern of what the message must quote. Every public layer and op has
entries; a wrong dtype is a TypeError, everything else a ValueError.
"""

import collections
import re

import keras
import numpy as np
import pytest
from layer_harness import random_floats

from keras_attention import layers, ops

Bad = collections.namedtuple("Bad", "target argument call error pattern")

X = random_floats(2, 5, 8, seed=1)  # (B, T, E)
Y = random_floats(2, 3, 8, seed=2)  # (B, S, E), S != T
IDS = np.array([[1, 2, 3], [4, 5, 0]], "int32")
NAN = float("nan")


def _call_twice(layer, first, second, **kwargs):
    layer(*first)
    layer(*second, **kwargs)


def _cache(batch=2, length=4, heads=2, head_size=4, dtype="float32"):
    return np.zeros((batch, 2, length, heads, head_size), dtype)


def _mha_step(**kwargs):
    """One cached step of MultiHeadAttention(2, 4) on a (2, 1, 8) token."""
    return layers.MultiHeadAttention(2, 4)(X[:, :1], X[:, :1], **kwargs)


def _decoder_step(**kwargs):
    """One cached step of a decoder-only block (E = 8, 2 heads of 4)."""
    return layers.TransformerDecoderBlock(2, 16)(X[:, :1], **kwargs)


def _heads(batch=2, length=5, heads=2, size=4, dtype="float32", seed=3):
    """A (B, T, H, D) tensor for the attention op."""
    return random_floats(batch, length, heads, size, seed=seed).astype(dtype)


def _constructor(target, argument, value, pattern=None, **required):
    """A bad constructor argument: `target(**required, argument=value)`."""
    make = getattr(layers, target)
    pattern = pattern or rf"Received: {argument}={re.escape(repr(value))}"
    return Bad(
        target,
        argument,
        lambda: make(**required, **{argument: value}),
        ValueError,
        pattern,
    )


MHA = {"num_heads": 2, "key_dim": 4}
BLOCK = {"num_heads": 2, "intermediate_dim": 16}
TOKENS = {"vocabulary_size": 10, "sequence_length": 4, "embedding_dim": 8}

CONSTRUCTOR_ARGUMENTS = {
    "additive_units_zero": _constructor("AdditiveAttention", "units", 0),
    "additive_units_negative": _constructor("AdditiveAttention", "units", -3),
    "additive_units_float": _constructor("AdditiveAttention", "units", 2.5),
    "additive_units_string": _constructor("AdditiveAttention", "units", "8"),
    "additive_units_bool": _constructor("AdditiveAttention", "units", True),
    "additive_dropout_negative": _constructor(
        "AdditiveAttention", "dropout", -0.1, units=4
    ),
    "additive_dropout_string": _constructor(
        "AdditiveAttention", "dropout", "0.1", units=4
    ),
    "additive_initializer": _constructor(
        "AdditiveAttention", "kernel_initializer", "no_such_initializer", units=4
    ),
    "dot_score_mode": _constructor("DotProductAttention", "score_mode", "cosine"),
    "dot_score_mode_none": _constructor("DotProductAttention", "score_mode", None),
    "dot_dropout_above_one": _constructor(
        "DotProductAttention",
        "dropout",
        1.5,
        r"`dropout` must be in \[0, 1\). Received: dropout=1.5",
    ),
    "dot_dropout_one": _constructor("DotProductAttention", "dropout", 1.0),
    "dot_dropout_nan": _constructor("DotProductAttention", "dropout", NAN),
    "dot_initializer_not_one": _constructor(
        "DotProductAttention", "kernel_initializer", 3
    ),
    "mha_num_heads_zero": _constructor(
        "MultiHeadAttention",
        "num_heads",
        0,
        r"`num_heads` must be a positive integer. Received: num_heads=0",
        key_dim=4,
    ),
    "mha_num_heads_negative": _constructor(
        "MultiHeadAttention", "num_heads", -2, key_dim=4
    ),
    "mha_num_heads_float": _constructor(
        "MultiHeadAttention", "num_heads", 2.0, key_dim=4
    ),
    "mha_num_heads_string": _constructor(
        "MultiHeadAttention", "num_heads", "2", key_dim=4
    ),
    "mha_num_heads_bool": _constructor(
        "MultiHeadAttention", "num_heads", True, key_dim=4
    ),
    "mha_key_dim_zero": _constructor("MultiHeadAttention", "key_dim", 0, num_heads=2),
    "mha_key_dim_negative": _constructor(
        "MultiHeadAttention", "key_dim", -4, num_heads=2
    ),
    "mha_key_dim_float": _constructor(
        "MultiHeadAttention", "key_dim", 4.5, num_heads=2
    ),
    "mha_key_dim_none": _constructor(
        "MultiHeadAttention", "key_dim", None, num_heads=2
    ),
    "mha_value_dim_zero": _constructor("MultiHeadAttention", "value_dim", 0, **MHA),
    "mha_value_dim_negative": _constructor(
        "MultiHeadAttention", "value_dim", -1, **MHA
    ),
    "mha_num_key_value_heads_zero": _constructor(
        "MultiHeadAttention",
        "num_key_value_heads",
        0,
        r"positive integer or None. Received: num_key_value_heads=0",
        **MHA,
    ),
    "mha_num_key_value_heads_negative": _constructor(
        "MultiHeadAttention", "num_key_value_heads", -1, **MHA
    ),
    "mha_num_key_value_heads_float": _constructor(
        "MultiHeadAttention", "num_key_value_heads", 1.5, **MHA
    ),
    "mha_num_key_value_heads_not_dividing": _constructor(
        "MultiHeadAttention",
        "num_key_value_heads",
        3,
        r"`num_key_value_heads` must divide `num_heads`.*"
        r"Received: num_key_value_heads=3, num_heads=4",
        num_heads=4,
        key_dim=2,
    ),
    "mha_output_dim_zero": _constructor("MultiHeadAttention", "output_dim", 0, **MHA),
    "mha_dropout_negative": _constructor("MultiHeadAttention", "dropout", -0.5, **MHA),
    "mha_dropout_one": _constructor("MultiHeadAttention", "dropout", 1, **MHA),
    "mha_use_bias_string": _constructor("MultiHeadAttention", "use_bias", "yes", **MHA),
    "mha_use_rotary_embedding_none": _constructor(
        "MultiHeadAttention", "use_rotary_embedding", None, **MHA
    ),
    "mha_bias_initializer": _constructor(
        "MultiHeadAttention", "bias_initializer", "no_such_initializer", **MHA
    ),
    "encoder_num_heads_zero": _constructor(
        "TransformerEncoderBlock", "num_heads", 0, intermediate_dim=16
    ),
    "encoder_intermediate_dim_zero": _constructor(
        "TransformerEncoderBlock", "intermediate_dim", 0, num_heads=2
    ),
    "encoder_intermediate_dim_negative": _constructor(
        "TransformerEncoderBlock", "intermediate_dim", -16, num_heads=2
    ),
    "encoder_intermediate_dim_float": _constructor(
        "TransformerEncoderBlock", "intermediate_dim", 8.5, num_heads=2
    ),
    "encoder_dropout_one": _constructor(
        "TransformerEncoderBlock", "dropout", 1.0, **BLOCK
    ),
    "encoder_dropout_negative": _constructor(
        "TransformerEncoderBlock", "dropout", -0.2, **BLOCK
    ),
    "encoder_layer_norm_epsilon_zero": _constructor(
        "TransformerEncoderBlock", "layer_norm_epsilon", 0, **BLOCK
    ),
    "encoder_layer_norm_epsilon_negative": _constructor(
        "TransformerEncoderBlock", "layer_norm_epsilon", -1e-5, **BLOCK
    ),
    "encoder_activation": _constructor(
        "TransformerEncoderBlock", "activation", "no_such_activation", **BLOCK
    ),
    "encoder_normalize_first_string": _constructor(
        "TransformerEncoderBlock", "normalize_first", "yes", **BLOCK
    ),
    "encoder_kernel_initializer": _constructor(
        "TransformerEncoderBlock", "kernel_initializer", "no_such_initializer", **BLOCK
    ),
    "decoder_num_heads_negative": _constructor(
        "TransformerDecoderBlock", "num_heads", -1, intermediate_dim=16
    ),
    "decoder_intermediate_dim_none": _constructor(
        "TransformerDecoderBlock", "intermediate_dim", None, num_heads=2
    ),
    "decoder_dropout_two": _constructor(
        "TransformerDecoderBlock", "dropout", 2, **BLOCK
    ),
    "decoder_layer_norm_epsilon_infinite": _constructor(
        "TransformerDecoderBlock", "layer_norm_epsilon", float("inf"), **BLOCK
    ),
    "decoder_activation_number": _constructor(
        "TransformerDecoderBlock", "activation", 42, **BLOCK
    ),
    "learned_sequence_length_zero": _constructor(
        "LearnedPositionEmbedding", "sequence_length", 0
    ),
    "learned_sequence_length_negative": _constructor(
        "LearnedPositionEmbedding", "sequence_length", -5
    ),
    "learned_sequence_length_float": _constructor(
        "LearnedPositionEmbedding", "sequence_length", 4.0
    ),
    "learned_sequence_length_none": _constructor(
        "LearnedPositionEmbedding", "sequence_length", None
    ),
    "learned_initializer": _constructor(
        "LearnedPositionEmbedding",
        "initializer",
        "no_such_initializer",
        sequence_length=4,
    ),
    "sinusoidal_max_wavelength_zero": _constructor(
        "SinusoidalPositionEncoding", "max_wavelength", 0
    ),
    "sinusoidal_max_wavelength_negative": _constructor(
        "SinusoidalPositionEncoding", "max_wavelength", -10000
    ),
    "sinusoidal_max_wavelength_string": _constructor(
        "SinusoidalPositionEncoding", "max_wavelength", "10000"
    ),
    "rotary_max_wavelength_zero": _constructor("RotaryEmbedding", "max_wavelength", 0),
    "rotary_max_wavelength_none": _constructor(
        "RotaryEmbedding", "max_wavelength", None
    ),
    "rotary_max_wavelength_nan": _constructor("RotaryEmbedding", "max_wavelength", NAN),
    "tokens_vocabulary_size_zero": _constructor(
        "TokenAndPositionEmbedding",
        "vocabulary_size",
        0,
        sequence_length=4,
        embedding_dim=8,
    ),
    "tokens_vocabulary_size_float": _constructor(
        "TokenAndPositionEmbedding",
        "vocabulary_size",
        2.5,
        sequence_length=4,
        embedding_dim=8,
    ),
    "tokens_sequence_length_zero": _constructor(
        "TokenAndPositionEmbedding",
        "sequence_length",
        0,
        vocabulary_size=10,
        embedding_dim=8,
    ),
    "tokens_embedding_dim_negative": _constructor(
        "TokenAndPositionEmbedding",
        "embedding_dim",
        -8,
        vocabulary_size=10,
        sequence_length=4,
    ),
    "tokens_embedding_dim_none": _constructor(
        "TokenAndPositionEmbedding",
        "embedding_dim",
        None,
        vocabulary_size=10,
        sequence_length=4,
    ),
    "tokens_position_kind": _constructor(
        "TokenAndPositionEmbedding", "position", "rotary", **TOKENS
    ),
    "tokens_mask_zero_string": _constructor(
        "TokenAndPositionEmbedding", "mask_zero", "yes", **TOKENS
    ),
    "tokens_embeddings_initializer": _constructor(
        "TokenAndPositionEmbedding",
        "embeddings_initializer",
        "no_such_initializer",
        **TOKENS,
    ),
}

CALL_INPUTS = {
    # Widths and lengths.
    "dot_query_key_widths": Bad(
        "DotProductAttention",
        "query",
        lambda: layers.DotProductAttention()(random_floats(2, 5, 6), X),
        ValueError,
        r"query.shape\[-1\]=6.*key.shape\[-1\]=8",
    ),
    "mha_query_width_changed": Bad(
        "MultiHeadAttention",
        "query",
        lambda: _call_twice(
            layers.MultiHeadAttention(2, 4), (X, X), (random_floats(2, 5, 6), X)
        ),
        ValueError,
        r"Received: query.shape=\(2, 5, 6\).*expected.*8",
    ),
    "additive_key_value_lengths": Bad(
        "AdditiveAttention",
        "key",
        lambda: layers.AdditiveAttention(4)(X, X, key=random_floats(2, 3, 8)),
        ValueError,
        r"same length.*key.shape=\(2, 3, 8\).*value.shape=\(2, 5, 8\)",
    ),
    "encoder_width_changed": Bad(
        "TransformerEncoderBlock",
        "inputs",
        lambda: _call_twice(
            layers.TransformerEncoderBlock(2, 16), (X,), (random_floats(2, 5, 6),)
        ),
        ValueError,
        r"Received: inputs.shape=\(2, 5, 6\), expected a last dimension of 8",
    ),
    "decoder_encoder_width_changed": Bad(
        "TransformerDecoderBlock",
        "encoder_sequence",
        lambda: _call_twice(
            layers.TransformerDecoderBlock(2, 16),
            (X, Y),
            (X, random_floats(2, 3, 6)),
        ),
        ValueError,
        r"Received: encoder_sequence.shape=\(2, 3, 6\), expected.*8",
    ),
    "decoder_built_with_encoder_called_without": Bad(
        "TransformerDecoderBlock",
        "encoder_sequence",
        lambda: _call_twice(layers.TransformerDecoderBlock(2, 16), (X, Y), (X,)),
        ValueError,
        r"built with an `encoder_sequence`.*Received: encoder_sequence=None",
    ),
    "learned_position_width_changed": Bad(
        "LearnedPositionEmbedding",
        "inputs",
        lambda: _call_twice(
            layers.LearnedPositionEmbedding(8), (X,), (random_floats(2, 5, 6),)
        ),
        ValueError,
        r"Received: inputs.shape=\(2, 5, 6\), expected a last dimension of 8",
    ),
    # Ranks.
    "additive_query_rank": Bad(
        "AdditiveAttention",
        "query",
        lambda: layers.AdditiveAttention(4)(X[0], X),
        ValueError,
        r"rank 3.*Received: query.shape=\(5, 8\)",
    ),
    "dot_value_rank": Bad(
        "DotProductAttention",
        "value",
        lambda: layers.DotProductAttention()(X, X[..., None]),
        ValueError,
        r"rank 3.*Received: value.shape=\(2, 5, 8, 1\)",
    ),
    "mha_query_rank": Bad(
        "MultiHeadAttention",
        "query",
        lambda: layers.MultiHeadAttention(2, 4)(X[0], X),
        ValueError,
        r"rank 3.*Received: query.shape=\(5, 8\)",
    ),
    "encoder_rank": Bad(
        "TransformerEncoderBlock",
        "inputs",
        lambda: layers.TransformerEncoderBlock(2, 8)(X[0]),
        ValueError,
        r"rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "decoder_rank": Bad(
        "TransformerDecoderBlock",
        "decoder_sequence",
        lambda: layers.TransformerDecoderBlock(2, 8)(X[..., None]),
        ValueError,
        r"rank 3.*Received: decoder_sequence.shape=\(2, 5, 8, 1\)",
    ),
    "sinusoidal_rank": Bad(
        "SinusoidalPositionEncoding",
        "inputs",
        lambda: layers.SinusoidalPositionEncoding()(X[0]),
        ValueError,
        r"rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "learned_position_rank": Bad(
        "LearnedPositionEmbedding",
        "inputs",
        lambda: layers.LearnedPositionEmbedding(8)(X[0]),
        ValueError,
        r"rank 3.*Received: inputs.shape=\(5, 8\)",
    ),
    "token_ids_rank": Bad(
        "TokenAndPositionEmbedding",
        "inputs",
        lambda: layers.TokenAndPositionEmbedding(10, 8, 4)(np.ones((2, 3, 1), "int32")),
        ValueError,
        r"\(batch, length\).*Received: inputs.shape=\(2, 3, 1\)",
    ),
    "rotary_odd_width": Bad(
        "RotaryEmbedding",
        "inputs",
        lambda: layers.RotaryEmbedding()(random_floats(2, 5, 7)),
        ValueError,
        r"even.*last dimension.*Received: inputs.shape=\(2, 5, 7\)",
    ),
    "rotary_rank_two": Bad(
        "RotaryEmbedding",
        "inputs",
        lambda: layers.RotaryEmbedding()(X[0]),
        ValueError,
        r"rank 3 or 4.*Received: inputs.shape=\(5, 8\)",
    ),
    # Heads that do not divide the width.
    "encoder_num_heads_not_dividing_width": Bad(
        "TransformerEncoderBlock",
        "num_heads",
        lambda: layers.TransformerEncoderBlock(num_heads=3, intermediate_dim=8)(X),
        ValueError,
        r"must divide.*Received: num_heads=3, inputs.shape=\(2, 5, 8\)",
    ),
    "decoder_num_heads_not_dividing_width": Bad(
        "TransformerDecoderBlock",
        "num_heads",
        lambda: layers.TransformerDecoderBlock(num_heads=5, intermediate_dim=8)(X),
        ValueError,
        r"must divide.*Received: num_heads=5",
    ),
    # Batch sizes: no silent broadcasting.
    "dot_query_batch_one_value_batch_four": Bad(
        "DotProductAttention",
        "query",
        lambda: layers.DotProductAttention()(X[:1], random_floats(4, 5, 8)),
        ValueError,
        r"same batch size.*query.shape=\(1, 5, 8\), value.shape=\(4, 5, 8\)",
    ),
    "mha_batch_mismatch": Bad(
        "MultiHeadAttention",
        "value",
        lambda: layers.MultiHeadAttention(2, 4)(X, random_floats(3, 5, 8)),
        ValueError,
        r"same batch size.*value.shape=\(3, 5, 8\)",
    ),
    "additive_key_batch_mismatch": Bad(
        "AdditiveAttention",
        "key",
        lambda: layers.AdditiveAttention(4)(X, X, key=X[:1]),
        ValueError,
        r"same batch size.*key.shape=\(1, 5, 8\)",
    ),
    "decoder_encoder_batch_mismatch": Bad(
        "TransformerDecoderBlock",
        "encoder_sequence",
        lambda: layers.TransformerDecoderBlock(2, 16)(X, random_floats(1, 3, 8)),
        ValueError,
        r"same batch size.*encoder_sequence.shape=\(1, 3, 8\)",
    ),
    # Dtypes: integer inputs are a TypeError on every backend.
    "mha_int_query": Bad(
        "MultiHeadAttention",
        "query",
        lambda: layers.MultiHeadAttention(2, 4)(X.astype("int32"), X),
        TypeError,
        r"floating-point.*Received: query.dtype=int32",
    ),
    "mha_int_key": Bad(
        "MultiHeadAttention",
        "key",
        lambda: layers.MultiHeadAttention(2, 4)(X, X, key=X.astype("int32")),
        TypeError,
        r"Received: key.dtype=int32",
    ),
    "dot_int_value": Bad(
        "DotProductAttention",
        "value",
        lambda: layers.DotProductAttention()(X, X.astype("int32")),
        TypeError,
        r"Received: value.dtype=int32",
    ),
    "additive_int_query": Bad(
        "AdditiveAttention",
        "query",
        lambda: layers.AdditiveAttention(4)(X.astype("int32"), X),
        TypeError,
        r"Received: query.dtype=int32",
    ),
    "encoder_int_inputs": Bad(
        "TransformerEncoderBlock",
        "inputs",
        lambda: layers.TransformerEncoderBlock(2, 16)(X.astype("int32")),
        TypeError,
        r"Received: inputs.dtype=int32",
    ),
    "decoder_int_sequence": Bad(
        "TransformerDecoderBlock",
        "decoder_sequence",
        lambda: layers.TransformerDecoderBlock(2, 16)(X.astype("int32")),
        TypeError,
        r"Received: decoder_sequence.dtype=int32",
    ),
    "rotary_int_inputs": Bad(
        "RotaryEmbedding",
        "inputs",
        lambda: layers.RotaryEmbedding()(X.astype("int32")),
        TypeError,
        r"Received: inputs.dtype=int32",
    ),
    "float_token_ids": Bad(
        "TokenAndPositionEmbedding",
        "inputs",
        lambda: layers.TokenAndPositionEmbedding(10, 8, 4)(np.ones((2, 3), "float32")),
        TypeError,
        r"integer token ids.*Received: inputs.dtype=float32",
    ),
    # Nested lists: regular ones become arrays, ragged ones raise.
    "dot_ragged_list_query": Bad(
        "DotProductAttention",
        "query",
        lambda: layers.DotProductAttention()([[[1.0, 2.0], [3.0]]], [[[1.0, 2.0]]]),
        ValueError,
        r"differ in length.*Received: query=\[\[\[1.0, 2.0\], \[3.0\]\]\]",
    ),
    "tokens_ragged_list_ids": Bad(
        "TokenAndPositionEmbedding",
        "inputs",
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)([[1, 2], [3]]),
        ValueError,
        r"differ in length.*Received: inputs=\[\[1, 2\], \[3\]\]",
    ),
    "encoder_ragged_padding_mask": Bad(
        "TransformerEncoderBlock",
        "padding_mask",
        lambda: layers.TransformerEncoderBlock(2, 16)(X, padding_mask=[[1, 1], [1]]),
        ValueError,
        r"differ in length.*Received: padding_mask=",
    ),
}

MASKS = {
    "dot_attention_mask_one_key_too_many": Bad(
        "DotProductAttention",
        "attention_mask",
        lambda: layers.DotProductAttention()(
            X, Y, attention_mask=np.ones((2, 5, 4), bool)
        ),
        ValueError,
        r"shape \(2, 5, 3\).*Received: attention_mask.shape=\(2, 5, 4\)",
    ),
    "mha_attention_mask_transposed": Bad(
        "MultiHeadAttention",
        "attention_mask",
        lambda: layers.MultiHeadAttention(2, 4)(
            X, Y, attention_mask=np.ones((2, 3, 5), bool)
        ),
        ValueError,
        r"shape \(2, 5, 3\).*Received: attention_mask.shape=\(2, 3, 5\)",
    ),
    "mha_attention_mask_rank_four": Bad(
        "MultiHeadAttention",
        "attention_mask",
        lambda: layers.MultiHeadAttention(2, 4)(
            X, Y, attention_mask=np.ones((2, 2, 5, 3), bool)
        ),
        ValueError,
        r"Received: attention_mask.shape=\(2, 2, 5, 3\)",
    ),
    "mha_attention_mask_rank_one": Bad(
        "MultiHeadAttention",
        "attention_mask",
        lambda: layers.MultiHeadAttention(2, 4)(
            X, Y, attention_mask=np.ones((3,), bool)
        ),
        ValueError,
        r"rank 2 or 3.*Received: attention_mask.shape=\(3,\)",
    ),
    "dot_attention_mask_one_query_too_many_broadcast": Bad(
        "DotProductAttention",
        "attention_mask",
        lambda: layers.DotProductAttention()(
            X, Y, attention_mask=np.ones((6, 3), bool)
        ),
        ValueError,
        r"broadcast to shape \(2, 5, 3\).*Received: attention_mask.shape=\(6, 3\)",
    ),
    "additive_attention_mask_batch": Bad(
        "AdditiveAttention",
        "attention_mask",
        lambda: layers.AdditiveAttention(4)(
            X, Y, attention_mask=np.ones((3, 5, 3), bool)
        ),
        ValueError,
        r"shape \(2, 5, 3\).*batch axis may be absent.*"
        r"Received: attention_mask.shape=\(3, 5, 3\)",
    ),
    "additive_value_mask_of_the_query_length": Bad(
        "AdditiveAttention",
        "value_mask",
        lambda: layers.AdditiveAttention(4)(X, Y, value_mask=np.ones((2, 5), bool)),
        ValueError,
        r"shape \(2, 3\).*Received: value_mask.shape=\(2, 5\)",
    ),
    "dot_query_mask_of_the_key_length": Bad(
        "DotProductAttention",
        "query_mask",
        lambda: layers.DotProductAttention()(X, Y, query_mask=np.ones((2, 3), bool)),
        ValueError,
        r"shape \(2, 5\).*Received: query_mask.shape=\(2, 3\)",
    ),
    "mha_key_mask_rank_one": Bad(
        "MultiHeadAttention",
        "key_mask",
        lambda: layers.MultiHeadAttention(2, 4)(X, Y, key_mask=np.ones((3,), bool)),
        ValueError,
        r"shape \(2, 3\).*Received: key_mask.shape=\(3,\)",
    ),
    "dot_float_additive_attention_mask": Bad(
        "DotProductAttention",
        "attention_mask",
        lambda: layers.DotProductAttention()(
            X, X, attention_mask=np.zeros((2, 5, 5), "float32")
        ),
        TypeError,
        r"boolean.*Received: attention_mask.dtype=float32.*`attention_mask == 0`",
    ),
    "mha_float_value_mask": Bad(
        "MultiHeadAttention",
        "value_mask",
        lambda: layers.MultiHeadAttention(2, 4)(
            X, X, value_mask=np.array([[0.0, -np.inf] * 2 + [0.0]] * 2, "float32")
        ),
        TypeError,
        r"Received: value_mask.dtype=float32.*`value_mask == 0`",
    ),
    "additive_float_query_mask": Bad(
        "AdditiveAttention",
        "query_mask",
        lambda: layers.AdditiveAttention(4)(
            X, X, query_mask=np.ones((2, 5), "float32")
        ),
        TypeError,
        r"Received: query_mask.dtype=float32",
    ),
    "dot_float_key_mask": Bad(
        "DotProductAttention",
        "key_mask",
        lambda: layers.DotProductAttention()(X, X, key_mask=np.ones((2, 5), "float16")),
        TypeError,
        r"Received: key_mask.dtype=float",
    ),
    "encoder_padding_mask_shape": Bad(
        "TransformerEncoderBlock",
        "padding_mask",
        lambda: layers.TransformerEncoderBlock(2, 16)(
            X, padding_mask=np.ones((2, 4), bool)
        ),
        ValueError,
        r"shape \(2, 5\).*Received: padding_mask.shape=\(2, 4\)",
    ),
    "encoder_float_padding_mask": Bad(
        "TransformerEncoderBlock",
        "padding_mask",
        lambda: layers.TransformerEncoderBlock(2, 16)(
            X, padding_mask=np.ones((2, 5), "float32")
        ),
        TypeError,
        r"Received: padding_mask.dtype=float32",
    ),
    "encoder_attention_mask_shape": Bad(
        "TransformerEncoderBlock",
        "attention_mask",
        lambda: layers.TransformerEncoderBlock(2, 16)(
            X, attention_mask=np.ones((2, 5, 6), bool)
        ),
        ValueError,
        r"shape \(2, 5, 5\).*Received: attention_mask.shape=\(2, 5, 6\)",
    ),
    "encoder_float_attention_mask": Bad(
        "TransformerEncoderBlock",
        "attention_mask",
        lambda: layers.TransformerEncoderBlock(2, 16)(
            X, attention_mask=np.zeros((5, 5), "float32")
        ),
        TypeError,
        r"Received: attention_mask.dtype=float32",
    ),
    "decoder_padding_mask_shape": Bad(
        "TransformerDecoderBlock",
        "decoder_padding_mask",
        lambda: layers.TransformerDecoderBlock(2, 16)(
            X, decoder_padding_mask=np.ones((2, 6), bool)
        ),
        ValueError,
        r"shape \(2, 5\).*Received: decoder_padding_mask.shape=\(2, 6\)",
    ),
    "decoder_encoder_padding_mask_of_the_decoder_length": Bad(
        "TransformerDecoderBlock",
        "encoder_padding_mask",
        lambda: layers.TransformerDecoderBlock(2, 16)(
            X, Y, encoder_padding_mask=np.ones((2, 5), bool)
        ),
        ValueError,
        r"shape \(2, 3\).*Received: encoder_padding_mask.shape=\(2, 5\)",
    ),
    "decoder_float_padding_mask": Bad(
        "TransformerDecoderBlock",
        "decoder_padding_mask",
        lambda: layers.TransformerDecoderBlock(2, 16)(
            X, decoder_padding_mask=np.ones((2, 5), "float32")
        ),
        TypeError,
        r"Received: decoder_padding_mask.dtype=float32",
    ),
    "mha_cached_value_mask_of_the_cache_length": Bad(
        "MultiHeadAttention",
        "value_mask",
        lambda: _mha_step(
            cache=_cache(), cache_update_index=0, value_mask=np.ones((2, 4), bool)
        ),
        ValueError,
        r"shape \(2, 1\).*Received: value_mask.shape=\(2, 4\)",
    ),
    # A (B, T, 1) mask broadcasts over the keys; (B, T, T_new) with
    # 1 < T_new < S does not, and must cover the whole cache.
    "mha_cached_attention_mask_of_the_new_tokens": Bad(
        "MultiHeadAttention",
        "attention_mask",
        lambda: layers.MultiHeadAttention(2, 4)(
            X[:, :2],
            X[:, :2],
            cache=_cache(),
            cache_update_index=0,
            attention_mask=np.ones((2, 2, 2), bool),
        ),
        ValueError,
        r"shape \(2, 2, 4\).*Received: attention_mask.shape=\(2, 2, 2\)",
    ),
}

CACHES_AND_INDICES = {
    "mha_cache_head_size": Bad(
        "MultiHeadAttention",
        "cache",
        lambda: _mha_step(cache=_cache(head_size=3), cache_update_index=0),
        ValueError,
        r"Received: cache.shape=\(2, 2, 4, 2, 3\), "
        r"expected \(batch, 2, cache_length, 2, 4\)",
    ),
    "mha_cache_batch_mismatch": Bad(
        "MultiHeadAttention",
        "cache",
        lambda: _mha_step(cache=_cache(batch=3), cache_update_index=0),
        ValueError,
        r"same batch size.*cache.shape=\(3, 2, 4, 2, 4\)",
    ),
    "mha_int_cache": Bad(
        "MultiHeadAttention",
        "cache",
        lambda: _mha_step(cache=_cache(dtype="int32"), cache_update_index=0),
        TypeError,
        r"Received: cache.dtype=int32",
    ),
    "mha_cache_shorter_than_the_new_tokens": Bad(
        "MultiHeadAttention",
        "cache",
        lambda: layers.MultiHeadAttention(2, 4)(
            X, X, cache=_cache(length=4), cache_update_index=0
        ),
        ValueError,
        r"shorter than the new tokens.*cache.shape=\(2, 2, 4, 2, 4\) for 5",
    ),
    "mha_cache_update_index_past_the_cache": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache=_cache(), cache_update_index=4),
        ValueError,
        r"Received: cache_update_index=4, expected 0 <= cache_update_index <= 3",
    ),
    "mha_cache_update_index_negative": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache=_cache(), cache_update_index=-1),
        ValueError,
        r"Received: cache_update_index=-1, expected 0 <=",
    ),
    "mha_eager_tensor_cache_update_index_past_the_cache": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(
            cache=_cache(), cache_update_index=keras.ops.convert_to_tensor(7)
        ),
        ValueError,
        r"Received: cache_update_index=7, expected 0 <= cache_update_index <= 3",
    ),
    "mha_float_cache_update_index": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache=_cache(), cache_update_index=1.0),
        TypeError,
        r"integer.*Received: cache_update_index=1.0",
    ),
    "mha_float_tensor_cache_update_index": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache=_cache(), cache_update_index=np.float32(1)),
        TypeError,
        r"Received: cache_update_index.dtype=float32",
    ),
    "mha_cache_update_index_not_scalar": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache=_cache(), cache_update_index=np.array([1])),
        ValueError,
        r"scalar. Received: cache_update_index.shape=\(1,\)",
    ),
    "mha_cache_update_index_without_cache": Bad(
        "MultiHeadAttention",
        "cache_update_index",
        lambda: _mha_step(cache_update_index=0),
        ValueError,
        r"needs a `cache`. Received: cache_update_index given and cache=None",
    ),
    "mha_cache_padding_mask_without_cache": Bad(
        "MultiHeadAttention",
        "cache_padding_mask",
        lambda: _mha_step(cache_padding_mask=np.ones((2, 4), bool)),
        ValueError,
        r"needs a `cache`. Received: cache_padding_mask given and cache=None",
    ),
    "mha_cache_padding_mask_of_the_new_tokens": Bad(
        "MultiHeadAttention",
        "cache_padding_mask",
        lambda: _mha_step(
            cache=_cache(),
            cache_update_index=0,
            cache_padding_mask=np.ones((2, 1), bool),
        ),
        ValueError,
        r"shape \(2, 4\).*Received: cache_padding_mask.shape=\(2, 1\)",
    ),
    "mha_float_cache_padding_mask": Bad(
        "MultiHeadAttention",
        "cache_padding_mask",
        lambda: _mha_step(
            cache=_cache(),
            cache_update_index=0,
            cache_padding_mask=np.zeros((2, 4), "float32"),
        ),
        TypeError,
        r"Received: cache_padding_mask.dtype=float32",
    ),
    "mha_cache_with_value_dim_unlike_key_dim": Bad(
        "MultiHeadAttention",
        "value_dim",
        lambda: layers.MultiHeadAttention(2, 4, value_dim=2)(
            X[:, :1], X[:, :1], cache=_cache(), cache_update_index=0
        ),
        ValueError,
        r"Received: value_dim=2, key_dim=4",
    ),
    "decoder_cache_without_index": Bad(
        "TransformerDecoderBlock",
        "cache_update_index",
        lambda: _decoder_step(self_attention_cache=_cache()),
        ValueError,
        r"`self_attention_cache` needs `cache_update_index`.*"
        r"Received: self_attention_cache given and cache_update_index=None",
    ),
    "decoder_index_without_cache": Bad(
        "TransformerDecoderBlock",
        "self_attention_cache",
        lambda: _decoder_step(cache_update_index=0),
        ValueError,
        r"Received: cache_update_index given and self_attention_cache=None",
    ),
    "decoder_cache_head_size": Bad(
        "TransformerDecoderBlock",
        "self_attention_cache",
        lambda: _decoder_step(
            self_attention_cache=_cache(heads=4, head_size=2), cache_update_index=0
        ),
        ValueError,
        r"Received: self_attention_cache.shape=\(2, 2, 4, 4, 2\), "
        r"expected \(batch, 2, cache_length, 2, 4\)",
    ),
    "decoder_cache_batch_mismatch": Bad(
        "TransformerDecoderBlock",
        "self_attention_cache",
        lambda: _decoder_step(
            self_attention_cache=_cache(batch=1), cache_update_index=0
        ),
        ValueError,
        r"same batch size.*self_attention_cache.shape=\(1, 2, 4, 2, 4\)",
    ),
    "decoder_cache_update_index_past_the_cache": Bad(
        "TransformerDecoderBlock",
        "cache_update_index",
        lambda: _decoder_step(self_attention_cache=_cache(), cache_update_index=9),
        ValueError,
        r"Received: cache_update_index=9, expected 0 <= cache_update_index <= 3",
    ),
    "decoder_cache_padding_mask_without_cache": Bad(
        "TransformerDecoderBlock",
        "cache_padding_mask",
        lambda: _decoder_step(cache_padding_mask=np.ones((2, 4), bool)),
        ValueError,
        r"Received: cache_padding_mask given and self_attention_cache=None",
    ),
    "decoder_cache_padding_mask_shape": Bad(
        "TransformerDecoderBlock",
        "cache_padding_mask",
        lambda: _decoder_step(
            self_attention_cache=_cache(),
            cache_update_index=0,
            cache_padding_mask=np.ones((2, 5), bool),
        ),
        ValueError,
        r"shape \(2, 4\).*Received: cache_padding_mask.shape=\(2, 5\)",
    ),
    # Positions.
    "learned_sequence_longer_than_table": Bad(
        "LearnedPositionEmbedding",
        "sequence_length",
        lambda: layers.LearnedPositionEmbedding(sequence_length=4)(X),
        ValueError,
        r"longer than `sequence_length`.*length 5.*at most sequence_length=4",
    ),
    "learned_positions_past_the_table_end": Bad(
        "LearnedPositionEmbedding",
        "start_index",
        lambda: layers.LearnedPositionEmbedding(sequence_length=6)(X, start_index=3),
        ValueError,
        r"Received: start_index=3.*length 5.*at most sequence_length=6",
    ),
    "learned_eager_tensor_start_index_past_the_table": Bad(
        "LearnedPositionEmbedding",
        "start_index",
        lambda: layers.LearnedPositionEmbedding(sequence_length=6)(
            X[:, :2], start_index=keras.ops.convert_to_tensor(5)
        ),
        ValueError,
        r"Received: start_index=5 and length 2.*at most sequence_length=6",
    ),
    "learned_negative_start_index": Bad(
        "LearnedPositionEmbedding",
        "start_index",
        lambda: layers.LearnedPositionEmbedding(sequence_length=6)(X, start_index=-1),
        ValueError,
        r"Received: start_index=-1, expected start_index >= 0",
    ),
    "learned_float_start_index": Bad(
        "LearnedPositionEmbedding",
        "start_index",
        lambda: layers.LearnedPositionEmbedding(sequence_length=8)(X, start_index=1.0),
        TypeError,
        r"integer.*Received: start_index=1.0",
    ),
    "sinusoidal_negative_start_index": Bad(
        "SinusoidalPositionEncoding",
        "start_index",
        lambda: layers.SinusoidalPositionEncoding()(X, start_index=-2),
        ValueError,
        r"Received: start_index=-2, expected start_index >= 0",
    ),
    "sinusoidal_float_tensor_start_index": Bad(
        "SinusoidalPositionEncoding",
        "start_index",
        lambda: layers.SinusoidalPositionEncoding()(X, start_index=np.float32(2)),
        TypeError,
        r"Received: start_index.dtype=float32",
    ),
    "rotary_negative_tensor_start_index": Bad(
        "RotaryEmbedding",
        "start_index",
        lambda: layers.RotaryEmbedding()(
            X, start_index=keras.ops.convert_to_tensor(-3)
        ),
        ValueError,
        r"Received: start_index=-3, expected start_index >= 0",
    ),
    "rotary_string_start_index": Bad(
        "RotaryEmbedding",
        "start_index",
        lambda: layers.RotaryEmbedding()(X, start_index="3"),
        TypeError,
        r"Received: start_index='3'",
    ),
    "tokens_id_past_the_vocabulary": Bad(
        "TokenAndPositionEmbedding",
        "inputs",
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)(
            np.array([[1, 10], [2, 3]], "int32")
        ),
        ValueError,
        r"Received: a token id of 10 \(ids from 1 to 10\).*\[0, 10\)",
    ),
    "tokens_negative_id": Bad(
        "TokenAndPositionEmbedding",
        "inputs",
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)(
            keras.ops.convert_to_tensor(np.array([[-1, 2]], "int32"))
        ),
        ValueError,
        r"Received: a token id of -1 \(ids from -1 to 2\)",
    ),
    "tokens_sequence_longer_than_table": Bad(
        "TokenAndPositionEmbedding",
        "sequence_length",
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)(np.ones((2, 6), "int32")),
        ValueError,
        r"longer than `sequence_length`.*length 6.*at most sequence_length=4",
    ),
    "tokens_eager_tensor_start_index_past_the_table": Bad(
        "TokenAndPositionEmbedding",
        "start_index",
        lambda: layers.TokenAndPositionEmbedding(10, 4, 8)(
            IDS[:, :2], start_index=keras.ops.convert_to_tensor(3)
        ),
        ValueError,
        r"Received: start_index=3 and length 2.*at most sequence_length=4",
    ),
}

OPS = {
    "attention_query_rank": Bad(
        "scaled_dot_product_attention",
        "query",
        lambda: ops.scaled_dot_product_attention(X, _heads(), _heads()),
        ValueError,
        r"rank 4.*Received: query.shape=\(2, 5, 8\)",
    ),
    "attention_key_heads_not_dividing": Bad(
        "scaled_dot_product_attention",
        "key",
        lambda: ops.scaled_dot_product_attention(
            _heads(heads=4), _heads(heads=3), _heads(heads=3)
        ),
        ValueError,
        r"dividing the query's.*key.shape=\(2, 5, 3, 4\)",
    ),
    "attention_batch_mismatch": Bad(
        "scaled_dot_product_attention",
        "query",
        lambda: ops.scaled_dot_product_attention(_heads(batch=1), _heads(), _heads()),
        ValueError,
        r"same batch size.*query.shape=\(1, 5, 2, 4\)",
    ),
    "attention_head_size_mismatch": Bad(
        "scaled_dot_product_attention",
        "key",
        lambda: ops.scaled_dot_product_attention(
            _heads(size=4), _heads(size=6), _heads()
        ),
        ValueError,
        r"same head size.*key.shape=\(2, 5, 2, 6\)",
    ),
    "attention_key_value_lengths": Bad(
        "scaled_dot_product_attention",
        "value",
        lambda: ops.scaled_dot_product_attention(_heads(), _heads(), _heads(length=4)),
        ValueError,
        r"same length.*value.shape=\(2, 4, 2, 4\)",
    ),
    "attention_int_query": Bad(
        "scaled_dot_product_attention",
        "query",
        lambda: ops.scaled_dot_product_attention(
            _heads(dtype="int32"), _heads(), _heads()
        ),
        TypeError,
        r"Received: query.dtype=int32",
    ),
    "attention_float_mask": Bad(
        "scaled_dot_product_attention",
        "mask",
        lambda: ops.scaled_dot_product_attention(
            _heads(), _heads(), _heads(), mask=np.zeros((2, 5, 5), "float32")
        ),
        TypeError,
        r"Received: mask.dtype=float32.*`mask == 0`",
    ),
    "attention_mask_not_broadcastable": Bad(
        "scaled_dot_product_attention",
        "mask",
        lambda: ops.scaled_dot_product_attention(
            _heads(), _heads(), _heads(), mask=np.ones((2, 5, 4), bool)
        ),
        ValueError,
        r"broadcast to .*\(2, 5, 5\). Received: mask.shape=\(2, 5, 4\)",
    ),
    "softmax_float_mask": Bad(
        "masked_softmax",
        "mask",
        lambda: ops.masked_softmax(X, np.zeros((2, 5, 8), "float32")),
        TypeError,
        r"Received: mask.dtype=float32",
    ),
    "softmax_int_scores": Bad(
        "masked_softmax",
        "scores",
        lambda: ops.masked_softmax(np.ones((2, 5, 8), "int32")),
        TypeError,
        r"Received: scores.dtype=int32",
    ),
    "softmax_mask_shape": Bad(
        "masked_softmax",
        "mask",
        lambda: ops.masked_softmax(X, np.ones((2, 5, 7), bool)),
        ValueError,
        r"Received: mask.shape=\(2, 5, 7\)",
    ),
    "causal_mask_negative_length": Bad(
        "causal_mask",
        "query_length",
        lambda: ops.causal_mask(-1, 4),
        ValueError,
        r"non-negative integer. Received: query_length=-1",
    ),
    "causal_mask_float_length": Bad(
        "causal_mask",
        "key_length",
        lambda: ops.causal_mask(4, 2.5),
        ValueError,
        r"Received: key_length=2.5",
    ),
    "merge_float_key_mask": Bad(
        "merge_attention_masks",
        "key_mask",
        lambda: ops.merge_attention_masks(key_mask=np.zeros((2, 5), "float32")),
        TypeError,
        r"Received: key_mask.dtype=float32.*`key_mask == 0`",
    ),
    "merge_attention_mask_rank_four": Bad(
        "merge_attention_masks",
        "attention_mask",
        lambda: ops.merge_attention_masks(attention_mask=np.ones((2, 1, 5, 5), bool)),
        ValueError,
        r"rank 2 or 3.*Received: attention_mask.shape=\(2, 1, 5, 5\)",
    ),
    "merge_query_mask_rank_three": Bad(
        "merge_attention_masks",
        "query_mask",
        lambda: ops.merge_attention_masks(query_mask=np.ones((2, 5, 1), bool)),
        ValueError,
        r"rank 2.*Received: query_mask.shape=\(2, 5, 1\)",
    ),
}

TABLES = {
    "constructor": CONSTRUCTOR_ARGUMENTS,
    "call": CALL_INPUTS,
    "mask": MASKS,
    "cache_or_index": CACHES_AND_INDICES,
    "op": OPS,
}
CATALOGUE = {
    f"{kind}-{name}": entry
    for kind, table in TABLES.items()
    for name, entry in table.items()
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_bad_input_raises_an_error_naming_the_argument(name):
    target, argument, call, error, pattern = CATALOGUE[name]
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert f"`{argument}`" in message, message
    assert "Received" in message, message
    assert re.search(pattern, message, flags=re.S), message


def test_the_catalogue_covers_every_public_layer_and_op():
    assert len(CATALOGUE) >= 110
    targets = {entry.target for entry in CATALOGUE.values()}
    assert set(layers.__all__) | set(ops.__all__) <= targets
    for target in layers.__all__:  # constructor and call arguments
        kinds = {
            kind
            for kind, table in TABLES.items()
            for entry in table.values()
            if entry.target == target
        }
        assert "constructor" in kinds and kinds - {"constructor"}, (target, kinds)
