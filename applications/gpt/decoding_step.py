"""One cached decoding step of the GPT as direct tensor math on its weights.

Keras runs every layer call through `Layer.__call__` (input conversion,
masks, autocast and name scopes, tracking), about 0.4 ms each on eager
torch: with ~50 layer calls per token it was over 90% of the time of
generating with a small model, and keras-hub's `GPT2CausalLM` pays the same
(keras-hub#2593). TensorFlow and JAX trace the step once, so there it costs
nothing, but torch runs it eagerly at every token.

`decoding_step()` computes what `GPTBackbone.call_with_cache` computes for
one new token per row (for all backends alike) with the sublayers' `call()`
methods and `keras.ops` on the blocks' weights: the same projections,
layer norms, feed-forward and causal attention over the cache slots up to
the new token. Tests check it against `call_with_cache`. It applies in
inference with weights in the compute dtype (float32 models);
`GPT.generate_step` uses `call_with_cache` otherwise.

Shape legend: B batch, L cache length, N blocks, H heads, D head size, E
width, V vocabulary.
"""

import functools
import math

from keras import ops

from keras_attention.layers import RotaryEmbedding


@functools.cache
def _rotary():
    # The rotation MultiHeadAttention applies (default max_wavelength); it
    # has no weights, so one instance serves every model.
    return RotaryEmbedding()


def applies(backbone):
    """Whether `decoding_step` computes `backbone`'s step (weights stored in
    the compute dtype, so no autocast is needed)."""
    return backbone.compute_dtype == backbone.variable_dtype


def decoding_weights(backbone):
    """The blocks' attention weights as `decoding_step` multiplies them.

    Computed once per generation (outside the token loop): per block, the
    query, key and value kernels (E, H, D) side by side as one (E, 3 H D)
    matrix and their biases as one (3 H D,) vector, and the output kernel
    (H, D, E) as (H D, E).

    Returns:
        list of N dicts: `"qkv_kernel"`, `"qkv_bias"`, `"output_kernel"`,
        `"output_bias"` (biases None when the layers have none).
    """
    weights = []
    for block in backbone.transformer_layers:
        attention = block.self_attention
        projections = (
            attention.query_dense,
            attention.key_dense,
            attention.value_dense,
        )
        kernels = [
            ops.reshape(p.kernel, (ops.shape(p.kernel)[0], -1)) for p in projections
        ]
        biases = [p.bias for p in projections]
        output = attention.output_dense
        weights.append(
            {
                "qkv_kernel": ops.concatenate(kernels, axis=-1),
                "qkv_bias": None
                if biases[0] is None
                else ops.concatenate([ops.reshape(b, (-1,)) for b in biases], 0),
                "output_kernel": ops.reshape(
                    output.kernel, (-1, ops.shape(output.kernel)[-1])
                ),
                "output_bias": output.bias,
            }
        )
    return weights


def decoding_step(backbone, weights, token_ids, cache, index):
    """Runs one new token per row against the cache.

    Args:
        backbone: a `GPTBackbone` (for which `applies()`).
        weights: `decoding_weights(backbone)`.
        token_ids: (B, 1) the tokens at position `index`.
        cache: (B, N, 2, L, H, D).
        index: the position of the new tokens, an integer scalar (tensor).

    Returns:
        `(hidden_states (B, 1, E), cache)`, as `call_with_cache`.
    """
    if backbone.position == "learned":
        embedding = backbone.embedding
        x = embedding.token_embedding.call(token_ids)  # (B, 1, E)
        table = embedding.position_embedding.position_embeddings  # (P, E)
        x = x + ops.take(table, ops.reshape(index, (1,)), 0)
    else:
        x = backbone.embedding.call(token_ids)
    slots = ops.arange(ops.shape(cache)[3])  # (L,)
    step = {"index": index, "slots": slots, "is_new": slots == index}
    caches = []
    for i, block in enumerate(backbone.transformer_layers):
        x, layer_cache = _block(
            block, weights[i], x, cache[:, i], step, backbone.position
        )
        caches.append(layer_cache)
    if backbone.layer_norm is not None:
        x = backbone.layer_norm.call(x)
    return x, ops.stack(caches, axis=1)


def _block(block, weights, x, cache, step, position):
    """A pre-LN or post-LN decoder block (no cross-attention) on one token."""
    pre = block.normalize_first
    residual = x
    if pre:
        x = block.self_attention_layer_norm.call(x)
    x, cache = _attention(block.self_attention, weights, x, cache, step, position)
    x = x + residual
    if not pre:
        x = block.self_attention_layer_norm.call(x)
    residual = x
    if pre:
        x = block.feedforward_layer_norm.call(x)
    x = block.feedforward_intermediate_dense.call(x)
    x = block.feedforward_output_dense.call(x) + residual
    if not pre:
        x = block.feedforward_layer_norm.call(x)
    return x, cache


def _attention(attention, weights, x, cache, step, position):
    """Multi-head self-attention of the new token over cache slots <= index."""
    heads, head_size = attention.num_heads, attention.key_dim
    qkv = ops.matmul(x, weights["qkv_kernel"])  # (B, 1, 3 H D)
    if weights["qkv_bias"] is not None:
        qkv = qkv + weights["qkv_bias"]
    qkv = ops.reshape(qkv, (-1, 3, heads, head_size))  # (B, 3, H, D), T = 1
    query, new = qkv[:, 0], qkv[:, 1:]  # (B, H, D), (B, 2, H, D)
    if position == "rotary":
        index = step["index"]
        query = _rotary().call(query[:, None], start_index=index)[:, 0]
        key = _rotary().call(new[:, :1], start_index=index)
        new = ops.concatenate([key, new[:, 1:]], axis=1)
    # Write the new keys and values at `index`: a select over the slots, the
    # cheapest write on eager torch (no index arithmetic per call).
    cache = ops.where(step["is_new"][:, None, None], new[:, :, None], cache)
    # (B, H, 1, D) x (B, H, D, L) -> (B, H, 1, L) scores
    query = query[:, :, None] * (1.0 / math.sqrt(head_size))
    scores = ops.matmul(query, ops.transpose(cache[:, 0], (0, 2, 3, 1)))
    scores = ops.where(step["slots"] <= step["index"], scores, -1e9)
    weights_ = ops.softmax(scores, axis=-1)
    attended = ops.matmul(weights_, ops.transpose(cache[:, 1], (0, 2, 1, 3)))
    attended = ops.reshape(attended, (-1, 1, heads * head_size))  # (B, 1, H D)
    output = ops.matmul(attended, weights["output_kernel"])
    if weights["output_bias"] is not None:
        output = output + weights["output_bias"]
    return output, cache
