"""Accepted input gives the right result, the same on every backend.

The counterpart of `test_bad_input.py`: the input checks must not turn
away what the layers document (and accepted before the checks came). Each
entry computes a result from an accepted input and from a reference input
known to be right (an explicit boolean (B, T, S) mask, a numpy array, an
eager call) and compares them: running is not enough.

Tables: masks (0/1 integers, booleans broadcast from (B, 1, S), (1, T, S),
(T, S)), Keras masks from `Embedding(mask_zero=True)` in functional
models, None initializers (and configs saved with None), nested Python
lists, and functional models built symbolically for `predict` and one
`fit` step (the compiled paths of every backend).
"""

import keras
import numpy as np
import pytest
from layer_harness import random_floats, to_numpy

from keras_attention import layers

B, T, S, E = 2, 5, 3, 8
X = random_floats(B, T, E, seed=1)  # queries (B, T, E)
Y = random_floats(B, S, E, seed=2)  # keys/values (B, S, E), S != T
IDS = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 5]], "int32")  # id 0 pads
PAD = IDS != 0  # (B, T)
ATOL = 1e-5


def _mask(*shape, seed=0):
    """A random boolean mask whose every row keeps at least one key."""
    mask = np.random.default_rng(seed).random(shape) > 0.4
    mask[..., 0] = True
    return mask


def _close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(to_numpy(actual), to_numpy(expected), atol=atol)


# --- Masks ------------------------------------------------------------------------

ATTENTION_LAYERS = {
    "dot": lambda: layers.DotProductAttention(),
    "scaled_dot": lambda: layers.DotProductAttention(score_mode="scaled_dot"),
    "additive": lambda: layers.AdditiveAttention(4),
    "mha": lambda: layers.MultiHeadAttention(2, 4),
    "gqa": lambda: layers.MultiHeadAttention(4, 2, num_key_value_heads=2),
}

# attention_mask shapes the layers document: each broadcasts to (B, T, S).
KEY_MASK = _mask(B, 1, S, seed=3)
SHARED = _mask(1, T, S, seed=4)
ATTENTION_MASKS = {
    "bool_full": _mask(B, T, S, seed=5),
    "int_full": _mask(B, T, S, seed=5).astype("int32"),
    "bool_keys_per_example": KEY_MASK,  # padding[:, None, :]
    "int_keys_per_example": KEY_MASK.astype("int32"),
    "bool_shared": SHARED,
    "bool_shared_no_batch": SHARED[0],  # (T, S)
    "int_shared_no_batch": SHARED[0].astype("int8"),
    "bool_one_key_row": _mask(1, S, seed=6),  # (1, S)
}


@pytest.mark.parametrize("causal", [False, True], ids=["plain", "causal"])
@pytest.mark.parametrize("mask_name", list(ATTENTION_MASKS))
@pytest.mark.parametrize("layer_name", list(ATTENTION_LAYERS))
def test_attention_mask_equals_the_explicit_boolean_mask(layer_name, mask_name, causal):
    layer = ATTENTION_LAYERS[layer_name]()
    mask = ATTENTION_MASKS[mask_name]
    reference = np.broadcast_to(mask, (B, T, S)).astype(bool)
    kwargs = {"use_causal_mask": causal, "return_attention_scores": True}
    expected, expected_scores = layer(X, Y, attention_mask=reference, **kwargs)
    output, scores = layer(X, Y, attention_mask=mask, **kwargs)
    _close(output, expected)
    _close(scores, expected_scores)
    # Without scores: the fused kernel where the backend has one.
    _close(layer(X, Y, attention_mask=mask, use_causal_mask=causal), expected)


@pytest.mark.parametrize("layer_name", list(ATTENTION_LAYERS))
def test_integer_padding_masks_equal_boolean_ones(layer_name):
    layer = ATTENTION_LAYERS[layer_name]()
    query_mask, value_mask = _mask(B, T, seed=7), _mask(B, S, seed=8)
    expected = layer(X, Y, query_mask=query_mask, value_mask=value_mask)
    output = layer(
        X,
        Y,
        query_mask=query_mask.astype("int32"),
        value_mask=value_mask.astype("int64"),
        key_mask=np.ones((B, S), "int32"),
    )
    _close(output, expected)


@pytest.mark.parametrize("mask_name", ["int", "keys_per_example", "shared", "no_batch"])
def test_encoder_block_attention_mask_equals_the_explicit_boolean_mask(mask_name):
    block = layers.TransformerEncoderBlock(2, 16)
    full = np.broadcast_to(PAD[:, None, :], (B, T, T))
    masks = {
        "int": full.astype("int32"),
        "keys_per_example": PAD[:, None, :],
        "shared": np.tril(np.ones((1, T, T), bool)),
        "no_batch": np.tril(np.ones((T, T), bool)),
    }
    mask = masks[mask_name]
    reference = np.broadcast_to(mask, (B, T, T)).astype(bool)
    padding = PAD.astype("int32")
    expected = block(X, padding_mask=PAD, attention_mask=reference)
    _close(block(X, padding_mask=padding, attention_mask=mask), expected)


def test_decoder_block_integer_padding_masks_equal_boolean_ones():
    block = layers.TransformerDecoderBlock(2, 16)
    encoder_padding = _mask(B, S, seed=9)
    expected = block(
        X, Y, decoder_padding_mask=PAD, encoder_padding_mask=encoder_padding
    )
    output = block(
        X,
        Y,
        decoder_padding_mask=PAD.astype("int32"),
        encoder_padding_mask=encoder_padding.astype("int32"),
    )
    _close(output, expected)


# --- Keras masks in functional models ---------------------------------------------


def _embedded(ids_input, seed=0):
    embedding = keras.layers.Embedding(
        10,
        E,
        mask_zero=True,
        embeddings_initializer=keras.initializers.RandomNormal(seed=seed),
    )
    return embedding, embedding(ids_input)


KERAS_MASK_CASES = {
    "mha": (
        lambda: layers.MultiHeadAttention(2, 4),
        lambda layer, x: layer(x, x),
        lambda layer, x, pad: layer(x, x, query_mask=pad, value_mask=pad),
    ),
    "mha_causal": (
        lambda: layers.MultiHeadAttention(2, 4),
        lambda layer, x: layer(x, x, use_causal_mask=True),
        lambda layer, x, pad: layer(
            x, x, query_mask=pad, value_mask=pad, use_causal_mask=True
        ),
    ),
    "encoder_block": (
        lambda: layers.TransformerEncoderBlock(2, 16),
        lambda layer, x: layer(x),
        lambda layer, x, pad: layer(x, padding_mask=pad),
    ),
    "decoder_block": (
        lambda: layers.TransformerDecoderBlock(2, 16),
        lambda layer, x: layer(x),
        lambda layer, x, pad: layer(x, decoder_padding_mask=pad),
    ),
}


@pytest.mark.parametrize("case", list(KERAS_MASK_CASES))
def test_keras_mask_from_embedding_equals_explicit_padding_mask(case):
    make, call_masked, call_explicit = KERAS_MASK_CASES[case]
    ids_input = keras.Input((T,), dtype="int32")
    embedding, embedded = _embedded(ids_input)
    layer = make()
    model = keras.Model(ids_input, call_masked(layer, embedded))
    expected = call_explicit(layer, embedding(IDS), PAD)
    _close(model.predict(IDS, verbose=0), expected, atol=1e-4)
    _close(model(IDS), expected, atol=1e-4)


# --- None initializers --------------------------------------------------------------

INITIALIZER_CASES = {
    "additive": (layers.AdditiveAttention, {"units": 4}, ["kernel_initializer"]),
    "dot_general": (
        layers.DotProductAttention,
        {"score_mode": "general"},
        ["kernel_initializer"],
    ),
    "mha": (
        layers.MultiHeadAttention,
        {"num_heads": 2, "key_dim": 4},
        ["kernel_initializer", "bias_initializer"],
    ),
    "encoder_block": (
        layers.TransformerEncoderBlock,
        {"num_heads": 2, "intermediate_dim": 16},
        ["kernel_initializer", "bias_initializer"],
    ),
    "decoder_block": (
        layers.TransformerDecoderBlock,
        {"num_heads": 2, "intermediate_dim": 16},
        ["kernel_initializer", "bias_initializer"],
    ),
    "learned_position": (
        layers.LearnedPositionEmbedding,
        {"sequence_length": 8},
        ["initializer"],
    ),
    "token_and_position": (
        layers.TokenAndPositionEmbedding,
        {"vocabulary_size": 10, "sequence_length": 8, "embedding_dim": E},
        ["embeddings_initializer"],
    ),
}


def _inputs_of(layer):
    if isinstance(layer, layers.TokenAndPositionEmbedding):
        return (IDS,)
    single_input = (
        layers.TransformerEncoderBlock,
        layers.TransformerDecoderBlock,
        layers.LearnedPositionEmbedding,
    )
    if isinstance(layer, single_input):
        return (X,)
    return (X, Y)


@pytest.mark.parametrize("case", list(INITIALIZER_CASES))
def test_none_initializer_is_the_default(case):
    cls, required, names = INITIALIZER_CASES[case]
    # Unseeded initializers draw their seed when created: same seed, same
    # weights for the same initializer.
    keras.utils.set_random_seed(7)
    default = cls(**required)
    expected = default(*_inputs_of(default))
    expected_weights = [to_numpy(w) for w in default.weights]
    keras.utils.set_random_seed(7)
    given_none = cls(**required, **dict.fromkeys(names, None))
    output = given_none(*_inputs_of(given_none))
    for name in names:
        assert given_none.get_config()[name] == default.get_config()[name], name
    for weight, expected_weight in zip(given_none.weights, expected_weights):
        _close(weight, expected_weight)
    _close(output, expected)
    # A config saved with None (before the checks) loads as the default.
    config = {**default.get_config(), **dict.fromkeys(names, None)}
    restored = cls.from_config(config)
    assert restored.get_config() == default.get_config()


def test_none_activation_is_linear():
    block = layers.TransformerEncoderBlock(2, 16, activation=None)
    linear = layers.TransformerEncoderBlock(2, 16, activation="linear")
    block(X), linear(X)
    linear.set_weights(block.get_weights())
    _close(block(X), linear(X))


# --- Nested lists -------------------------------------------------------------------

NESTED_LIST_CASES = {
    "dot": (
        layers.DotProductAttention,
        {},
        lambda: ((X, Y), {"attention_mask": KEY_MASK}),
    ),
    "mha": (
        layers.MultiHeadAttention,
        {"num_heads": 2, "key_dim": 4},
        lambda: ((X, Y), {"query_mask": PAD, "attention_mask": SHARED[0]}),
    ),
    "encoder_block": (
        layers.TransformerEncoderBlock,
        {"num_heads": 2, "intermediate_dim": 16},
        lambda: ((X,), {"padding_mask": PAD.astype("int32")}),
    ),
    "token_and_position": (
        layers.TokenAndPositionEmbedding,
        {"vocabulary_size": 10, "sequence_length": 8, "embedding_dim": E},
        lambda: ((IDS,), {"start_index": 1}),
    ),
    "rotary": (
        layers.RotaryEmbedding,
        {},
        lambda: ((random_floats(B, T, 2, 4, seed=3),), {"start_index": 2}),
    ),
}


@pytest.mark.parametrize("case", list(NESTED_LIST_CASES))
def test_nested_lists_equal_arrays(case):
    cls, required, arguments = NESTED_LIST_CASES[case]
    layer = cls(**required)
    args, kwargs = arguments()
    expected = layer(*args, **kwargs)

    def listed(value):
        return value.tolist() if isinstance(value, np.ndarray) else value

    output = layer(*map(listed, args), **{k: listed(v) for k, v in kwargs.items()})
    _close(output, expected)


# --- Functional models: symbolic build, predict, fit ---------------------------------


def _cross_attention_model(layer):
    query, value = keras.Input((T, E)), keras.Input((S, E))
    mask = keras.Input((1, S), dtype="bool")  # (B, 1, S): broadcast
    output = layer(query, value, attention_mask=mask)
    model = keras.Model([query, value, mask], output)
    data = [X, Y, KEY_MASK]
    return model, data, lambda: layer(X, Y, attention_mask=KEY_MASK)


def _encoder_model(_):
    ids = keras.Input((T,), dtype="int32")
    embed = layers.TokenAndPositionEmbedding(10, T, E, mask_zero=True)
    block = layers.TransformerEncoderBlock(2, 16)
    model = keras.Model(ids, block(embed(ids)))
    return model, IDS, lambda: block(embed(IDS), padding_mask=PAD)


def _decoder_model(_):
    ids, source = keras.Input((T,), dtype="int32"), keras.Input((S, E))
    embed = layers.TokenAndPositionEmbedding(10, T, E, position="sinusoidal")
    block = layers.TransformerDecoderBlock(2, 16)
    model = keras.Model([ids, source], block(embed(ids), source))
    return model, [IDS, Y], lambda: block(embed(IDS), Y)


def _rotary_model(_):
    inputs = keras.Input((T, E))
    layer = layers.MultiHeadAttention(2, 4, use_rotary_embedding=True)
    model = keras.Model(inputs, layer(inputs, inputs, use_causal_mask=True))
    return model, X, lambda: layer(X, X, use_causal_mask=True)


FUNCTIONAL_CASES = {
    "dot_general": lambda: _cross_attention_model(
        layers.DotProductAttention(score_mode="general")
    ),
    "additive": lambda: _cross_attention_model(layers.AdditiveAttention(4)),
    "mha": lambda: _cross_attention_model(layers.MultiHeadAttention(2, 4)),
    "mha_rotary_causal": lambda: _rotary_model(None),
    "encoder_block": lambda: _encoder_model(None),
    "decoder_block": lambda: _decoder_model(None),
}


@pytest.mark.parametrize("case", list(FUNCTIONAL_CASES))
def test_functional_model_predicts_and_fits(case):
    model, data, eager_call = FUNCTIONAL_CASES[case]()
    expected = eager_call()
    _close(model.predict(data, batch_size=B, verbose=0), expected, atol=1e-4)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(
        data, np.zeros(expected.shape, "float32"), batch_size=B, epochs=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])


# --- Index tensors: read once per call ----------------------------------------------


def _index_reads(monkeypatch):
    """Counts the reads of tensor indices (a device-to-host copy each on
    eager torch); reading a Python int costs nothing and is not counted."""
    from keras_attention import checks

    reads = []
    known_integer = checks.known_integer

    def counted(name, value):
        if not isinstance(value, int):
            reads.append(name)
        return known_integer(name, value)

    monkeypatch.setattr(checks, "known_integer", counted)
    return reads


def _index_cases():
    cache = np.zeros((B, 2, T, 2, 4), "float32")
    step = X[:, 2:3]
    mha = layers.MultiHeadAttention(2, 4, use_rotary_embedding=True)
    decoder = layers.TransformerDecoderBlock(2, 16)
    embed = layers.TokenAndPositionEmbedding(10, 8, E)
    rotary = layers.RotaryEmbedding()
    heads = random_floats(B, 1, 2, 4, seed=4)
    return {
        "mha_rotary_cached_step": lambda index: mha(
            step, step, cache=cache, cache_update_index=index
        )[0],
        "decoder_cached_step": lambda index: decoder(
            step, self_attention_cache=cache, cache_update_index=index
        )[0],
        "token_and_position": lambda index: embed(IDS[:, :1], start_index=index),
        "rotary": lambda index: rotary(heads, start_index=index),
    }


@pytest.mark.parametrize(
    "case",
    ["mha_rotary_cached_step", "decoder_cached_step", "token_and_position", "rotary"],
)
def test_tensor_index_is_read_once_and_equals_the_int(case, monkeypatch):
    call = _index_cases()[case]
    expected = call(2)
    reads = _index_reads(monkeypatch)
    output = call(keras.ops.convert_to_tensor(2, "int32"))
    _close(output, expected)
    assert len(reads) == 1, reads
