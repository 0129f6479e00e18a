"""Which path the attention core takes, observed with a spy on the fused
kernel `keras.ops.dot_product_attention` as `keras_attention.ops.attention`
calls it, and that the fused and explicit paths agree."""

import keras
import numpy as np
import pytest
from layer_harness import random_floats, to_numpy

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


@pytest.fixture
def fused_calls(monkeypatch):
    """Records the keyword arguments of every fused-kernel call."""
    calls = []
    kernel = attention_module.ops.dot_product_attention

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(attention_module.ops, "dot_product_attention", spy)
    return calls


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
