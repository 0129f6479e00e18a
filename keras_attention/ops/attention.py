"""The softmax(Q K^T * scale) V core shared by every dot-product layer.

Shape legend: B batch, T query length, S key length, H query heads,
K key/value heads (K divides H), D key head size, V value head size.
"""

from keras import ops

from keras_attention.ops.masks import causal_mask, merge_attention_masks

# Finite, so a fully masked row gives a uniform softmax instead of NaN (it is
# zeroed afterwards); far below any real float32 score.
_MASKED_SCORE = -1e9


def scaled_dot_product_attention(
    query,
    key,
    value,
    mask=None,
    is_causal=False,
    scale=None,
    return_scores=False,
    weights_dropout=None,
):
    """Multi-head scaled dot-product attention, fused where possible.

    Takes `keras.ops.dot_product_attention` (each backend's fused kernel:
    XLA / cuDNN / flash / torch SDPA) when no scores are requested and no
    dropout is applied to the weights, and the explicit path otherwise. On
    both paths a query row whose keys are all masked gives an output of 0
    (and weights of 0), never NaN or a uniform average.

    Args:
        query: (B, T, H, D) tensor.
        key: (B, S, K, D) tensor; K divides H (grouped-query attention).
        value: (B, S, K, V) tensor.
        mask: optional boolean tensor broadcastable to (B, T, S); True means
            the query may attend to that key.
        is_causal: whether query t may only attend keys <= t. Passed to the
            kernel as its causal flag when it is the only mask.
        scale: multiplier of the scores; defaults to 1 / sqrt(D).
        return_scores: whether to also return the (B, H, T, S) weights.
        weights_dropout: optional callable applied to the weights (active
            dropout). Forces the explicit path.

    Returns:
        (B, T, H, V) tensor, or `(output, weights)` if `return_scores`.
    """
    num_heads, num_kv_heads = query.shape[2], key.shape[2]
    if num_kv_heads != num_heads:
        # Grouped-query attention: each key/value head serves H / K queries.
        key = ops.repeat(key, num_heads // num_kv_heads, axis=2)  # (B, S, H, D)
        value = ops.repeat(value, num_heads // num_kv_heads, axis=2)
    if scale is None:
        scale = 1.0 / float(query.shape[-1]) ** 0.5

    if is_causal and mask is not None:
        # The kernel's causal flag only helps when it is the only mask.
        causal = causal_mask(ops.shape(query)[1], ops.shape(key)[1])
        mask = merge_attention_masks(attention_mask=mask, causal=causal)
        is_causal = False
    # Rows with no key to attend to must come out as exactly 0.
    rows_valid = None if mask is None else ops.any(mask, axis=-1)  # (B, T)

    fused = (
        not return_scores
        and weights_dropout is None
        and query.shape[-1] == value.shape[-1]
    )
    if fused:
        output = ops.dot_product_attention(
            query,
            key,
            value,
            mask=None if mask is None else ops.expand_dims(mask, 1),  # (B,1,T,S)
            scale=scale,
            is_causal=is_causal,
        )
        weights = None
    else:
        output, weights = _explicit_attention(
            query, key, value, mask, is_causal, scale, weights_dropout
        )
    if rows_valid is not None:
        output = ops.where(rows_valid[:, :, None, None], output, 0)
        if weights is not None:
            weights = ops.where(rows_valid[:, None, :, None], weights, 0)
    if return_scores:
        return output, weights
    return output


def masked_softmax(scores, mask=None, dtype=None):
    """Softmax over the last axis in float32, masked keys given exactly 0.

    Args:
        scores: (..., T, S) attention scores.
        mask: optional boolean tensor broadcastable to `scores`.
        dtype: dtype of the result (defaults to the scores' dtype).

    Returns:
        Weights of the shape of `scores`; rows with every key masked are 0.
    """
    dtype = dtype or scores.dtype
    scores = ops.cast(scores, "float32")
    if mask is not None:
        scores = ops.where(mask, scores, _MASKED_SCORE)
    weights = ops.softmax(scores, axis=-1)
    if mask is not None:
        weights = ops.where(mask, weights, 0.0)
    return ops.cast(weights, dtype)


def _explicit_attention(query, key, value, mask, is_causal, scale, weights_dropout):
    """softmax(Q K^T * scale) V with the weights materialised."""
    scores = ops.einsum("bthd,bshd->bhts", query, key)  # (B, H, T, S)
    scores = ops.multiply(ops.cast(scores, "float32"), scale)
    if is_causal:
        mask = causal_mask(ops.shape(query)[1], ops.shape(key)[1])[None]
    if mask is not None:
        mask = ops.expand_dims(mask, 1)  # (B, 1, T, S)
    weights = masked_softmax(scores, mask, dtype=value.dtype)
    attended = weights if weights_dropout is None else weights_dropout(weights)
    output = ops.einsum("bhts,bshv->bthv", attended, value)  # (B, T, H, V)
    return output, weights
