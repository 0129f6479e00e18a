"""Which path the attention core takes (fused kernel, explicit, query
blocks), observed with spies in `keras_attention.ops.attention`, and that
the paths agree."""

import keras
import numpy as np
import pytest
from layer_harness import random_floats, to_numpy
from numpy_references import softmax_attention

from keras_attention import layers
from keras_attention.ops import attention as attention_module

QUERY = random_floats(2, 4, 8, seed=1)
VALUE = random_floats(2, 6, 8, seed=2)
PADDING = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
DOT_PRODUCT_LAYERS = {
    # "general" only adds a matmul before the same core as "scaled_dot".
    "scaled_dot": lambda **kw: layers.DotProductAttention(**kw),
    "multi_head": lambda **kw: layers.MultiHeadAttention(2, 4, **kw),
    "grouped": lambda **kw: layers.MultiHeadAttention(
        4, 2, num_key_value_heads=2, **kw
    ),
}
DOT_PRODUCT = pytest.mark.parametrize("name", DOT_PRODUCT_LAYERS)


def spy_on(monkeypatch, owner, name):
    """Replaces `owner.name` by a wrapper; returns the list of its calls'
    keyword arguments."""
    calls = []
    function = getattr(owner, name)

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return function(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


@pytest.fixture
def fused_calls(monkeypatch):
    """Records the keyword arguments of every call of the fused path."""
    return spy_on(monkeypatch, attention_module, "_fused_attention")


def test_the_fused_path_calls_the_backend_kernel_where_there_is_one(monkeypatch):
    kernel_calls = spy_on(monkeypatch, attention_module.ops, "dot_product_attention")
    layer = layers.MultiHeadAttention(2, 4)
    fused = to_numpy(layer(QUERY, VALUE, value_mask=PADDING))
    explicit, _ = layer(QUERY, VALUE, value_mask=PADDING, return_attention_scores=True)
    np.testing.assert_allclose(fused, to_numpy(explicit), rtol=1e-5, atol=1e-5)
    # TensorFlow has no fused kernel; its fused path is the explicit one.
    assert len(kernel_calls) == (0 if keras.config.backend() == "tensorflow" else 1)


@DOT_PRODUCT
def test_layer_with_dropout_takes_the_fused_path_at_inference(name, fused_calls):
    layer = DOT_PRODUCT_LAYERS[name](dropout=0.5)
    inference = to_numpy(layer(QUERY, VALUE, training=False))
    layer(QUERY, VALUE)  # training=None: inference too
    assert len(fused_calls) == 2
    # At inference dropout changes nothing: same as the explicit path.
    explicit, _ = layer(QUERY, VALUE, training=False, return_attention_scores=True)
    np.testing.assert_allclose(inference, to_numpy(explicit), rtol=1e-5, atol=1e-5)


@DOT_PRODUCT
def test_causal_mask_alone_uses_the_kernel_causal_flag(name, fused_calls):
    layer = DOT_PRODUCT_LAYERS[name]()
    layer(QUERY, QUERY, use_causal_mask=True)
    assert len(fused_calls) == 1
    assert fused_calls[0]["is_causal"] is True
    assert fused_calls[0]["mask"] is None
    # With another mask too, the causal constraint is merged into it.
    layer(QUERY, QUERY, use_causal_mask=True, query_mask=PADDING[:, :4])
    assert fused_calls[1]["is_causal"] is False
    assert fused_calls[1]["mask"] is not None


MASKINGS = {
    "none": {},
    "causal": {"use_causal_mask": True},
    "causal_and_padding": {"use_causal_mask": True, "value_mask": PADDING},
    "query_and_value": {"query_mask": PADDING[:, 2:], "value_mask": PADDING},
    "empty_rows": {
        "attention_mask": np.arange(6)[None, None, :] < [[[0], [1], [2], [3]]]
    },
}


@DOT_PRODUCT
@pytest.mark.parametrize("masking", MASKINGS)
def test_fused_and_explicit_paths_agree(name, masking, fused_calls):
    layer = DOT_PRODUCT_LAYERS[name]()
    fused = to_numpy(layer(QUERY, VALUE, **MASKINGS[masking]))
    # Requested scores take the explicit path: the kernel ran once only.
    explicit, _ = layer(QUERY, VALUE, return_attention_scores=True, **MASKINGS[masking])
    assert len(fused_calls) == 1
    # Only a causal mask alone is left to the kernel's flag.
    materialised = masking not in ("none", "causal")
    assert (fused_calls[0]["mask"] is not None) == materialised
    np.testing.assert_allclose(fused, to_numpy(explicit), rtol=1e-5, atol=1e-5)
    if masking == "empty_rows":  # query 0 may attend no key
        np.testing.assert_array_equal(fused[:, 0], 0.0)


@pytest.mark.parametrize(
    "path", ["fused", "explicit", "explicit_with_dropout", "additive"]
)
def test_fully_masked_rows_are_zero_on_every_path(path, fused_calls):
    make = layers.AdditiveAttention if path == "additive" else layers.MultiHeadAttention
    layer = make(4) if path == "additive" else make(2, 4, dropout=0.3)
    query_mask = np.array([[1, 1, 1, 1], [1, 1, 1, 1]], bool)
    value_mask = np.array([[0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]], bool)
    result = layer(
        QUERY,
        VALUE,
        query_mask=query_mask,
        value_mask=value_mask,
        return_attention_scores=path != "fused",
        training=path == "explicit_with_dropout",
    )
    output = to_numpy(result if path == "fused" else result[0])
    # Active dropout and requested scores take the explicit path.
    assert len(fused_calls) == (1 if path == "fused" else 0)
    assert np.isfinite(output).all()
    np.testing.assert_array_equal(output[0], 0.0)  # example 0 has no key
    if path != "explicit_with_dropout":  # dropout may drop both of its keys
        assert np.abs(output[1]).min() > 0


def test_training_with_an_empty_row_on_the_fused_path_keeps_gradients_finite():
    keras.utils.set_random_seed(0)
    query = keras.Input((4, 8))
    mask = keras.Input((4, 6), dtype="bool")
    value = keras.Input((6, 8))
    attended = layers.MultiHeadAttention(2, 4)(query, value, attention_mask=mask)
    model = keras.Model([query, value, mask], keras.layers.Dense(1)(attended))
    model.compile(optimizer="sgd", loss="mse")
    attention_mask = np.ones((2, 4, 6), bool)
    attention_mask[0, 2] = False
    model.fit(
        [QUERY, VALUE, attention_mask], np.ones((2, 4, 1)), batch_size=2, verbose=0
    )
    for weight in model.weights:
        assert np.isfinite(to_numpy(weight)).all(), weight.path


BLOCK_MASKINGS = {
    "none": (None, False),
    "causal": (None, True),
    "padding_and_causal": (np.arange(11)[None, None, :] < [[[8]], [[11]]], True),
    "empty_rows": (np.arange(11)[None, None, :] < np.arange(11)[None, :, None], False),
}


@pytest.mark.parametrize("masking", BLOCK_MASKINGS)
def test_attention_by_query_blocks_matches_numpy(masking):
    """11 queries in blocks of 4 (the last one padded) vs numpy softmax attention."""
    mask, is_causal = BLOCK_MASKINGS[masking]
    query, key, value = (random_floats(2, 11, 3, 4, seed=s) for s in (1, 2, 3))
    output = attention_module.attention_by_query_blocks(
        query,
        key,
        value,
        None if mask is None else keras.ops.convert_to_tensor(mask),
        is_causal,
        scale=0.5,
        block_size=4,
    )
    full_mask = (
        np.ones((2, 11, 11), bool)
        if mask is None
        else np.broadcast_to(mask, (2, 11, 11))
    )
    if is_causal:
        full_mask = full_mask & np.tri(11, dtype=bool)
    scores = 0.5 * np.einsum("bthd,bshd->bhts", query, key)
    expected, _ = softmax_attention(
        scores, value.transpose(0, 2, 1, 3), full_mask[:, None]
    )  # (B, H, T, D)
    expected = expected.transpose(0, 2, 1, 3)
    rows_valid = full_mask.any(-1)[:, :, None, None]
    np.testing.assert_allclose(
        np.where(rows_valid, to_numpy(output), 0.0), expected, rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("masking", ["none", "padding_and_causal"])
def test_long_sequences_go_by_query_blocks_where_the_kernel_holds_all_scores(
    masking, monkeypatch
):
    """With blocks of 4, 11 queries are 'long': XLA on CPU (TensorFlow, JAX on
    a CPU) takes the blocked path, torch's SDPA kernel the fused one; both
    equal the explicit path."""
    monkeypatch.setattr(attention_module, "QUERY_BLOCK_SIZE", 4)
    blocked_calls = []
    blocked = attention_module.attention_by_query_blocks

    def spy(*args, **kwargs):
        blocked_calls.append(args)
        return blocked(*args, **kwargs)

    monkeypatch.setattr(attention_module, "attention_by_query_blocks", spy)
    mask, is_causal = BLOCK_MASKINGS[masking]
    x = random_floats(2, 11, 8, seed=4)
    layer = layers.MultiHeadAttention(2, 4)
    padding = None if mask is None else mask[:, 0, :]
    kwargs = {"value_mask": padding, "use_causal_mask": is_causal}
    output = to_numpy(layer(x, x, **kwargs))
    explicit, _ = layer(x, x, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(output, to_numpy(explicit), rtol=1e-5, atol=1e-5)
    expect_blocks = keras.config.backend() == "tensorflow" or (
        keras.config.backend() == "jax" and _jax_on_cpu()
    )
    assert len(blocked_calls) == (1 if expect_blocks else 0)


def _jax_on_cpu():
    import jax

    return jax.default_backend() == "cpu"
