"""Transformer blocks and the decoding cache: the encoder block against
`torch.nn.TransformerEncoderLayer` with copied weights, and step-by-step
decoding against the full causal pass."""

import keras
import numpy as np
import numpy_references as references
import pytest
from layer_harness import random_floats, to_numpy

from keras_attention import layers

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _copy_torch_encoder_weights(torch_layer, block, num_heads):
    """Assigns a torch encoder layer's weights to a TransformerEncoderBlock."""
    width = torch_layer.self_attn.embed_dim
    head = width // num_heads

    def numpy(parameter):
        return parameter.detach().numpy()

    attention = block.self_attention
    in_weight, in_bias = (
        numpy(torch_layer.self_attn.in_proj_weight),
        numpy(torch_layer.self_attn.in_proj_bias),
    )
    projections = (attention.query_dense, attention.key_dense, attention.value_dense)
    for index, dense in enumerate(projections):
        rows = slice(index * width, (index + 1) * width)
        # torch (out, in) with out = (H, D) -> keras (in, H, D)
        dense.kernel.assign(in_weight[rows].T.reshape(width, num_heads, head))
        dense.bias.assign(in_bias[rows].reshape(num_heads, head))
    out_proj = torch_layer.self_attn.out_proj
    attention.output_dense.kernel.assign(
        numpy(out_proj.weight).T.reshape(num_heads, head, width)
    )
    attention.output_dense.bias.assign(numpy(out_proj.bias))
    for dense, linear in (
        (block.feedforward_intermediate_dense, torch_layer.linear1),
        (block.feedforward_output_dense, torch_layer.linear2),
    ):
        dense.kernel.assign(numpy(linear.weight).T)
        dense.bias.assign(numpy(linear.bias))
    for norm, torch_norm in (
        (block.self_attention_layer_norm, torch_layer.norm1),
        (block.feedforward_layer_norm, torch_layer.norm2),
    ):
        norm.gamma.assign(numpy(torch_norm.weight))
        norm.beta.assign(numpy(torch_norm.bias))


@pytest.mark.parametrize("normalize_first", [False, True], ids=["post_ln", "pre_ln"])
def test_encoder_block_equals_torch_transformer_encoder_layer(normalize_first):
    if keras.config.backend() != "torch":
        pytest.skip("the torch reference runs on the torch backend")
    import torch

    torch.manual_seed(0)
    width, num_heads = 8, 2
    reference = torch.nn.TransformerEncoderLayer(
        d_model=width,
        nhead=num_heads,
        dim_feedforward=16,
        dropout=0.0,
        batch_first=True,
        norm_first=normalize_first,
    ).eval()
    # Non-trivial norms, so a swapped gamma/beta would show.
    for norm in (reference.norm1, reference.norm2):
        torch.nn.init.uniform_(norm.weight, 0.5, 1.5)
        torch.nn.init.uniform_(norm.bias, -0.5, 0.5)
    block = layers.TransformerEncoderBlock(
        num_heads, 16, normalize_first=normalize_first
    )
    x = random_floats(2, 5, width, seed=1)
    padding = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    block(x)
    _copy_torch_encoder_weights(reference, block, num_heads)

    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
        # torch's key padding mask is True for padding.
        expected_padded = reference(
            torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(~padding)
        ).numpy()
    np.testing.assert_allclose(to_numpy(block(x)), expected, **TOLERANCE)
    padded = to_numpy(block(x, padding_mask=padding))
    # Compared at real tokens; padded positions are not defined the same way.
    np.testing.assert_allclose(padded[padding], expected_padded[padding], **TOLERANCE)


def _decode_step_by_step(step, sequence, cache, prefix_length=1):
    """Runs `step(tokens, cache, index)` on a prefix, then one token at a time."""
    outputs = []
    starts = [0] + list(range(prefix_length, sequence.shape[1]))
    ends = starts[1:] + [sequence.shape[1]]
    for start, end in zip(starts, ends):
        output, cache = step(sequence[:, start:end], cache, start)
        outputs.append(to_numpy(output))
    return np.concatenate(outputs, axis=1)


def test_decoder_block_cached_decoding_equals_full_causal_pass():
    target = random_floats(2, 6, 8, seed=2)
    source = random_floats(2, 4, 8, seed=3)
    block = layers.TransformerDecoderBlock(2, 16)
    full = to_numpy(block(target, encoder_sequence=source))
    cache = np.zeros((2, 2, 6, 2, 4), "float32")  # (B, 2, L, H, D)

    def step(tokens, cache, index):
        return block(
            tokens,
            encoder_sequence=source,
            self_attention_cache=cache,
            cache_update_index=index,
        )

    np.testing.assert_allclose(
        _decode_step_by_step(step, target, cache), full, **TOLERANCE
    )


def test_grouped_rotary_attention_cached_decoding_equals_full_causal_pass():
    config = {"num_key_value_heads": 2, "use_rotary_embedding": True}
    x = random_floats(2, 6, 8, seed=4)
    layer = layers.MultiHeadAttention(num_heads=4, key_dim=2, **config)
    full = to_numpy(layer(x, x, use_causal_mask=True))
    kv_heads = config.get("num_key_value_heads", 4)
    cache = np.zeros((2, 2, 6, kv_heads, 2), "float32")  # (B, 2, S, K, D)

    def step(tokens, cache, index):
        return layer(
            tokens, tokens, use_causal_mask=True, cache=cache, cache_update_index=index
        )

    np.testing.assert_allclose(
        _decode_step_by_step(step, x, cache, prefix_length=3), full, **TOLERANCE
    )


def test_cache_of_the_new_tokens_holds_their_keys_and_values():
    x = random_floats(1, 3, 8, seed=5)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    layer(x, x)
    _, cache = layer(
        x[:, :2],
        x[:, :2],
        cache=np.zeros((1, 2, 3, 2, 4), "float32"),
        cache_update_index=0,
    )
    cache = to_numpy(cache)
    np.testing.assert_allclose(
        cache[:, 0, :2], to_numpy(layer.key_dense(x[:, :2])), **TOLERANCE
    )
    np.testing.assert_allclose(
        cache[:, 1, :2], to_numpy(layer.value_dense(x[:, :2])), **TOLERANCE
    )
    np.testing.assert_array_equal(cache[:, :, 2], 0.0)


def test_encoder_block_scores_equal_numpy_attention_of_its_weights():
    x = random_floats(2, 5, 8, seed=6)
    padding = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    block = layers.TransformerEncoderBlock(2, 16)  # post-LN: attention sees x
    output, scores = block(x, padding_mask=padding, return_attention_scores=True)
    attention = block.self_attention
    weights = [to_numpy(w) for w in attention.weights]
    mask = padding[:, None, :] & padding[:, :, None]  # (B, T, S)
    _, expected = references.multi_head_attention(x, x, weights, 2, 2, mask=mask)
    np.testing.assert_allclose(to_numpy(scores), expected, **TOLERANCE)
    np.testing.assert_allclose(
        to_numpy(output), to_numpy(block(x, padding_mask=padding)), **TOLERANCE
    )


def test_decoder_block_scores_are_causal_masked_and_match_cached_decoding():
    target = random_floats(2, 4, 8, seed=7)
    source = random_floats(2, 3, 8, seed=8)
    source_padding = np.array([[1, 1, 1], [1, 1, 0]], bool)
    block = layers.TransformerDecoderBlock(2, 16, normalize_first=True)
    output, scores = block(
        target,
        encoder_sequence=source,
        encoder_padding_mask=source_padding,
        return_attention_scores=True,
    )
    self_scores = to_numpy(scores["self_attention"])  # (B, H, T, T)
    cross_scores = to_numpy(scores["cross_attention"])  # (B, H, T, S)
    assert self_scores.shape == (2, 2, 4, 4) and cross_scores.shape == (2, 2, 4, 3)
    np.testing.assert_array_equal(np.triu(self_scores, k=1), 0.0)
    np.testing.assert_array_equal(cross_scores[1, :, :, 2], 0.0)
    np.testing.assert_allclose(cross_scores.sum(-1), 1.0, **TOLERANCE)

    cache = np.zeros((2, 2, 4, 2, 4), "float32")  # (B, 2, L, H, D)
    for index in range(4):
        step, cache, step_scores = block(
            target[:, index : index + 1],
            encoder_sequence=source,
            encoder_padding_mask=source_padding,
            self_attention_cache=cache,
            cache_update_index=index,
            return_attention_scores=True,
        )
        np.testing.assert_allclose(
            to_numpy(step)[:, 0], to_numpy(output)[:, index], **TOLERANCE
        )
        np.testing.assert_allclose(
            to_numpy(step_scores["cross_attention"])[:, :, 0],
            cross_scores[:, :, index],
            **TOLERANCE,
        )


@pytest.mark.parametrize(
    "block_class", [layers.TransformerEncoderBlock, layers.TransformerDecoderBlock]
)
def test_attention_dropout_defaults_to_dropout_and_can_differ(block_class):
    x = random_floats(2, 4, 8, seed=9)
    default = block_class(2, 16, dropout=0.3)
    separate = block_class(2, 16, dropout=0.3, attention_dropout=0.05)
    for block in (default, separate):
        block(x)
    assert default.self_attention.dropout == 0.3  # as before the option
    assert separate.self_attention.dropout == 0.05
    assert separate._residual_dropout.rate == 0.3
    # A config saved before the option existed (no key) keeps `dropout`.
    config = default.get_config()
    assert config["attention_dropout"] is None
    del config["attention_dropout"], config["activation_dropout"]
    old = block_class.from_config(config)
    old(x)
    assert old.self_attention.dropout == 0.3 and old.activation_dropout == 0.0
    assert old._activation_dropout is None


def test_activation_dropout_drops_the_feedforward_hidden_layer_in_training(
    monkeypatch,
):
    x = random_floats(2, 5, 8, seed=10)
    plain = layers.TransformerEncoderBlock(2, 32)
    dropping = layers.TransformerEncoderBlock(2, 32, activation_dropout=0.5)
    plain(x), dropping(x)
    dropping.set_weights(plain.get_weights())
    # Inference: no dropout, the same block.
    np.testing.assert_allclose(to_numpy(dropping(x)), to_numpy(plain(x)), **TOLERANCE)
    np.testing.assert_allclose(
        to_numpy(plain(x, training=True)), to_numpy(plain(x)), **TOLERANCE
    )
    assert not np.allclose(to_numpy(dropping(x, training=True)), to_numpy(plain(x)))

    # Where it acts: on relu(W1 h + b1), before W2. A fixed mask in its
    # place gives the numpy feed-forward of the masked hidden layer.
    mask = (np.random.default_rng(0).random((2, 5, 32)) < 0.5).astype("float32")
    monkeypatch.setattr(
        dropping._activation_dropout,
        "call",
        lambda hidden, training=None: keras.ops.multiply(hidden, mask),
    )
    attention = dropping.self_attention
    # Post-LN: the feed-forward reads LN(x + attention(x)).
    h = dropping.self_attention_layer_norm(keras.ops.add(x, attention(x, x)))
    h = to_numpy(h)
    w1, b1, w2, b2 = (
        to_numpy(w)
        for w in (
            *dropping.feedforward_intermediate_dense.weights,
            *dropping.feedforward_output_dense.weights,
        )
    )
    y = h + (np.maximum(h @ w1 + b1, 0) * mask) @ w2 + b2
    gamma, beta = (to_numpy(w) for w in dropping.feedforward_layer_norm.weights)
    mean, variance = y.mean(-1, keepdims=True), y.var(-1, keepdims=True)
    expected = (y - mean) / np.sqrt(variance + 1e-5) * gamma + beta
    np.testing.assert_allclose(
        to_numpy(dropping(x, training=True)), expected, rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize(
    "bad", [{"attention_dropout": 1.0}, {"activation_dropout": -0.1}]
)
def test_dropout_rates_outside_zero_one_are_refused(bad):
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        layers.TransformerEncoderBlock(2, 16, **bad)


def _layer_norm(x, gamma, epsilon=1e-5):
    """Layer norm without beta (`center=False`), in float64."""
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma


def _numpy_block_without_bias(block, x, normalize_first, encoder=None):
    """A `use_bias=False` block's math on its weights: causal self-attention
    for a decoder (then cross-attention over `encoder`), a ReLU feed-forward,
    each as x + f(LN(x)) (pre-LN) or LN(x + f(x)) (post-LN); no biases."""
    x = np.asarray(x, "float64")
    heads = block.num_heads

    def attention(layer, mask, source=None):
        kernels = [to_numpy(w) for w in layer.weights]
        assert len(kernels) == 4  # Wq, Wk, Wv, Wo: no biases
        wq, wk, wv, wo = kernels
        zeros = [np.zeros(w.shape[1:]) for w in (wq, wk, wv)] + [np.zeros(wo.shape[-1])]
        weights = [wq, zeros[0], wk, zeros[1], wv, zeros[2], wo, zeros[3]]

        def attend(y):
            value = y if source is None else np.asarray(source, "float64")
            out, _ = references.multi_head_attention(
                y, value, weights, heads, heads, mask=mask
            )
            return out

        return attend

    def residual(x, f, norm):
        gamma = to_numpy(norm.gamma)
        if normalize_first:
            return x + f(_layer_norm(x, gamma))
        return _layer_norm(x + f(x), gamma)

    length = x.shape[1]
    is_decoder = isinstance(block, layers.TransformerDecoderBlock)
    causal = np.tril(np.ones((length, length), bool))[None] if is_decoder else None
    x = residual(
        x, attention(block.self_attention, causal), block.self_attention_layer_norm
    )
    if encoder is not None:
        x = residual(
            x,
            attention(block.cross_attention, None, source=encoder),
            block.cross_attention_layer_norm,
        )
    w1 = to_numpy(block.feedforward_intermediate_dense.kernel)
    w2 = to_numpy(block.feedforward_output_dense.kernel)
    return residual(
        x, lambda y: np.maximum(y @ w1, 0.0) @ w2, block.feedforward_layer_norm
    )


@pytest.mark.parametrize("normalize_first", [False, True])
def test_encoder_block_without_bias_equals_numpy_and_has_no_bias(normalize_first):
    width, hidden = 8, 16
    x = random_floats(2, 5, width, seed=11)
    block = layers.TransformerEncoderBlock(
        2, hidden, normalize_first=normalize_first, use_bias=False
    )
    output = to_numpy(block(x))
    names = [w.path.split("/")[-1] for w in block.weights]
    assert "bias" not in names and "beta" not in names
    assert names.count("gamma") == 2 and len(names) == 8  # 4 + 2 kernels + 2
    # 4 attention projections E x E, two feed-forward kernels, two gains.
    assert block.count_params() == 4 * width**2 + 2 * width * hidden + 2 * width
    expected = _numpy_block_without_bias(block, x, normalize_first)
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_decoder_block_without_bias_equals_numpy_and_has_no_bias(normalize_first):
    width, hidden = 8, 16
    target = random_floats(2, 4, width, seed=12)
    source = random_floats(2, 3, width, seed=13)
    block = layers.TransformerDecoderBlock(
        2, hidden, normalize_first=normalize_first, use_bias=False
    )
    output = to_numpy(block(target, encoder_sequence=source))
    names = [w.path.split("/")[-1] for w in block.weights]
    assert "bias" not in names and "beta" not in names
    assert block.count_params() == 8 * width**2 + 2 * width * hidden + 3 * width
    expected = _numpy_block_without_bias(block, target, normalize_first, source)
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "block_class", [layers.TransformerEncoderBlock, layers.TransformerDecoderBlock]
)
def test_use_bias_is_saved_and_old_configs_keep_their_biases(block_class):
    x = random_floats(1, 3, 8, seed=14)
    default = block_class(2, 16)
    default(x)
    config = default.get_config()
    assert config["use_bias"] is True
    del config["use_bias"]  # a config saved before the argument existed
    old = block_class.from_config(config)
    old(x)
    assert [w.path for w in old.weights] == [w.path for w in default.weights]
    width, hidden = 8, 16
    # Attention 4 (E^2 + E), feed-forward (E F + F) + (F E + E), 2 x 2 E norms.
    assert old.count_params() == (
        4 * (width**2 + width) + 2 * width * hidden + hidden + width + 4 * width
    )
    no_bias = block_class.from_config({**config, "use_bias": False})
    assert no_bias.get_config()["use_bias"] is False
    no_bias(x)
    assert len(no_bias.weights) < len(old.weights)
    with pytest.raises((TypeError, ValueError), match="use_bias"):
        block_class(2, 16, use_bias="no")
