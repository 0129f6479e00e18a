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

Its cache holds the same numbers as `call_with_cache`'s in the layout the
step reads without copies (`decoding_cache()`): keys and values (B, H, L,
D) per block, contiguous, which the score and value products take as they
are (a (B, L, H, D) cache is transposed, that is copied, twice per block
and token). The new keys and values are written at their slot in place on
eager torch, where `keras.ops` can only copy the whole cache (about 3 MB
per block at batch 16: copies were half the time of a token); TensorFlow
and JAX write with `slice_update`, which XLA does in place in the loop.

Shape legend: B batch, L cache length, N blocks, H heads, D head size, E
width, V vocabulary.
"""

import functools
import math

import keras
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


def decoding_cache(cache):
    """`call_with_cache`'s cache (B, N, 2, L, H, D) in the layout that
    `decoding_step` reads: (B, N, 2, H, L, D), a new tensor.

    Its memory is blocks-first, (N, 2, B, H, L, D), viewed batch-first for
    the samplers (which gather and repeat rows on axis 0): each block's
    keys and values (B, H, L, D) are then contiguous, which eager torch
    needs to multiply them without copying them first.
    """
    batch_size, blocks, _, length, heads, head_size = ops.shape(cache)
    blocks_first = ops.transpose(cache, (1, 2, 0, 4, 3, 5))
    # Reshaping through one flat axis lays the memory out in this order.
    stored = ops.reshape(
        ops.reshape(blocks_first, (-1,)),
        (blocks, 2, batch_size, heads, length, head_size),
    )
    return ops.transpose(stored, (2, 0, 1, 3, 4, 5))


def decoding_step(backbone, weights, token_ids, cache, index):
    """Runs one new token per row against the cache.

    Args:
        backbone: a `GPTBackbone` (for which `applies()`).
        weights: `decoding_weights(backbone)`.
        token_ids: (B, 1) the tokens at position `index`.
        cache: (B, N, 2, H, L, D), from `decoding_cache()`; on eager
            torch it is updated in place.
        index: the position of the new tokens, an integer scalar (tensor).

    Returns:
        `(hidden_states (B, 1, E), cache)`, as `call_with_cache` (the cache
        in this layout).
    """
    if backbone.position == "learned":
        embedding = backbone.embedding
        x = embedding.token_embedding.call(token_ids)  # (B, 1, E)
        table = embedding.position_embedding.position_embeddings  # (P, E)
        x = x + ops.take(table, ops.reshape(index, (1,)), 0)
    else:
        x = backbone.embedding.call(token_ids)
    step = {"index": index, "attended": ops.arange(ops.shape(cache)[4]) <= index}
    for i, block in enumerate(backbone.transformer_layers):
        x, cache = _block(block, i, weights[i], x, cache, step, backbone.position)
    if backbone.layer_norm is not None:
        x = backbone.layer_norm.call(x)
    return x, cache


def _write(cache, new, block, index):
    """`cache` with `new` (B, 2, H, D) at slot `index` of `block`."""
    if keras.config.backend() == "torch" and not cache.requires_grad:
        cache[:, block, :, :, index] = new
        return cache
    zero = ops.zeros((), "int32")
    start = [zero, ops.cast(block, "int32"), zero, zero, ops.cast(index, "int32"), zero]
    return ops.slice_update(cache, start, new[:, None, :, :, None])


def _block(block, number, weights, x, cache, step, position):
    """A pre-LN or post-LN decoder block (no cross-attention) on one token;
    `number` is its place in the stack (its slot in the cache)."""
    pre = block.normalize_first
    residual = x
    if pre:
        x = block.self_attention_layer_norm.call(x)
    x, cache = _attention(
        block.self_attention, number, weights, x, cache, step, position
    )
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


def _attention(attention, number, weights, x, cache, step, position):
    """Multi-head self-attention of the new token over cache slots <= index."""
    heads, head_size = attention.num_heads, attention.key_dim
    qkv = ops.matmul(x, weights["qkv_kernel"])  # (B, 1, 3 H D)
    if weights["qkv_bias"] is not None:
        qkv = qkv + weights["qkv_bias"]
    qkv = ops.reshape(qkv, (-1, 3, heads, head_size))  # (B, 3, H, D), T = 1
    query, new = qkv[:, 0], qkv[:, 1:]  # (B, H, D), (B, 2, H, D)
    index = step["index"]
    if position == "rotary":
        query = _rotary().call(query[:, None], start_index=index)[:, 0]
        key = _rotary().call(new[:, :1], start_index=index)
        new = ops.concatenate([key, new[:, 1:]], axis=1)
    cache = _write(cache, new, number, index)
    keys, values = cache[:, number, 0], cache[:, number, 1]
    # (B, H, 1, D) x (B, H, D, L) -> (B, H, 1, L) scores
    query = query[:, :, None] * (1.0 / math.sqrt(head_size))
    scores = ops.matmul(query, ops.swapaxes(keys, 2, 3))
    scores = ops.where(step["attended"], scores, -1e9)
    weights_ = ops.softmax(scores, axis=-1)
    attended = ops.matmul(weights_, values)  # (B, H, 1, D)
    attended = ops.reshape(attended, (-1, 1, heads * head_size))  # (B, 1, H D)
    output = ops.matmul(attended, weights["output_kernel"])
    if weights["output_bias"] is not None:
        output = output + weights["output_bias"]
    return output, cache
