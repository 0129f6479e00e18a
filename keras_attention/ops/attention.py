"""The softmax(Q K^T * scale) V core shared by every dot-product layer.

Shape legend: B batch, T query length, S key length, H query heads,
K key/value heads (K divides H), D key head size, V value head size.
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.compat import (
    attention_kernel_holds_all_scores,
    has_fused_attention_kernel,
)
from keras_attention.ops.masks import causal_mask, merge_attention_masks

# Finite, so a fully masked row gives a uniform softmax instead of NaN (it is
# zeroed afterwards); far below any real float32 score.
_MASKED_SCORE = -1e9

# Queries per block on the blocked path (long sequences, see
# `attention_by_query_blocks`): one block's float32 scores take
# B * H * 1024 * S * 4 bytes, 128 MiB for B=1, H=4, S=8192.
QUERY_BLOCK_SIZE = 1024


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
    XLA / cuDNN / flash on JAX, SDPA on torch; TensorFlow has none and
    computes the same softmax(Q K^T) V explicitly) when no scores are
    requested and no dropout is applied to the weights, and the explicit
    path otherwise.
    Where that kernel would hold the whole (B, H, T, S) score matrix (XLA on
    CPU: TensorFlow, and JAX on a CPU) and T is over `2 * QUERY_BLOCK_SIZE`,
    it runs on `QUERY_BLOCK_SIZE` queries at a time instead (see
    `attention_by_query_blocks`). On every path a query row whose keys are
    all masked gives an output of 0 (and weights of 0), never NaN or a
    uniform average. The explicit path takes the scaling and the softmax in
    float32, and Q K^T too for float16 inputs: in float16, Q K^T overflows
    (65504) from inputs of magnitude ~100 (D = 64); the fused kernels
    accumulate the scores in float32 as well.

    Args:
        query: (B, T, H, D) floating-point tensor.
        key: (B, S, K, D) tensor; K divides H (grouped-query attention).
        value: (B, S, K, V) tensor.
        mask: optional boolean (or 0/1 integer) tensor broadcastable to
            (B, T, S); True means the query may attend to that key.
        is_causal: whether query t may only attend keys <= t. Passed to the
            kernel as its causal flag when it is the only mask.
        scale: multiplier of the scores; defaults to 1 / sqrt(D).
        return_scores: whether to also return the (B, H, T, S) weights.
        weights_dropout: optional callable applied to the weights (active
            dropout). Forces the explicit path.

    Returns:
        (B, T, H, V) tensor, or `(output, weights)` if `return_scores`.

    Raises:
        ValueError: for inputs not of rank 4, different batch sizes, key and
            value lengths or head counts, K not dividing H, query and key
            head sizes that differ, or a mask that does not broadcast to
            (B, T, S).
        TypeError: for non-floating inputs or a float mask.
    """
    _check_attention_inputs(query, key, value, mask)
    if mask is not None:
        mask = ops.cast(mask, "bool")
        while len(mask.shape) < 3:  # (T, S), (S,): one mask for the batch
            mask = ops.expand_dims(mask, 0)
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
    if fused and _kernel_materialises_scores(query.shape[1]):
        output = attention_by_query_blocks(query, key, value, mask, is_causal, scale)
        weights = None
    elif fused:
        output = _fused_attention(
            query, key, value, mask=mask, is_causal=is_causal, scale=scale
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


def _check_attention_inputs(query, key, value, mask):
    """The checks of `scaled_dot_product_attention`, on static shapes."""
    tensors = {"query": query, "key": key, "value": value}
    for name, x in tensors.items():
        checks.floating(name, x)
        checks.rank(name, x, (4,), "(batch, length, heads, head_size)")
    checks.same_batch(**tensors)
    lengths = (key.shape[1], value.shape[1])
    if None not in lengths and lengths[0] != lengths[1]:
        raise ValueError(
            "`key` and `value` must have the same length. Received: "
            f"key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}"
        )
    num_heads, num_kv_heads = query.shape[2], key.shape[2]
    if value.shape[2] != num_kv_heads or num_heads % num_kv_heads:
        raise ValueError(
            "`key` and `value` must have the same number of heads, dividing "
            f"the query's. Received: query.shape={tuple(query.shape)}, "
            f"key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}"
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            "`query` and `key` must have the same head size. Received: "
            f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}"
        )
    if mask is not None:
        checks.mask_dtype("mask", mask)
        target = (query.shape[0], query.shape[1], key.shape[1])
        checks.broadcastable("mask", mask, target, "(batch, query_length, key_length)")


def _fused_attention(query, key, value, mask, is_causal, scale):
    """The backend's fused kernel, `keras.ops.dot_product_attention`, given
    our (B, T, S) boolean mask.

    Where the backend has no such kernel (TensorFlow, see
    `keras_attention.compat.has_fused_attention_kernel`), the explicit path.
    """
    if not has_fused_attention_kernel():
        return _explicit_attention(query, key, value, mask, is_causal, scale, None)[0]
    return ops.dot_product_attention(
        query,
        key,
        value,
        mask=None if mask is None else ops.expand_dims(mask, 1),  # (B,1,T,S)
        scale=scale,
        is_causal=is_causal,
    )


def _kernel_materialises_scores(query_length):
    """Whether a sequence this long should go by query blocks: the backend's
    kernel would hold all (B, H, T, S) scores (XLA on CPU does; torch's SDPA
    and the GPU flash kernels do not; see
    `keras_attention.compat.attention_kernel_holds_all_scores`)."""
    # Unknown (None, or symbolic while jax infers shapes) lengths stay fused.
    if not isinstance(query_length, int) or query_length <= 2 * QUERY_BLOCK_SIZE:
        return False
    return attention_kernel_holds_all_scores()


def attention_by_query_blocks(
    query, key, value, mask, is_causal, scale, block_size=None
):
    """Attention computed for `block_size` queries at a time.

    Each query's output depends only on its own row of scores, so splitting
    the queries gives the same result while at most (B, H, `block_size`, S)
    scores exist at once, instead of (B, H, T, S): at T = S = 8192 with
    4 heads, 128 MiB instead of 1 GiB (Rabe and Staats 2021, "Self-attention
    Does Not Need O(n^2) Memory", the query-chunking half). The blocks run
    in sequence (`keras.ops.map`), each through the fused kernel.

    Args:
        query: (B, T, H, D) tensor; T must be known.
        key: (B, S, H, D) tensor.
        value: (B, S, H, D) tensor.
        mask: optional boolean (B, T, S) tensor (broadcastable).
        is_causal: whether query t may only attend keys <= t.
        scale: multiplier of the scores.
        block_size: queries per block (default `QUERY_BLOCK_SIZE`); T is
            padded up to a multiple of it.

    Returns:
        (B, T, H, D) tensor.
    """
    block_size = block_size or QUERY_BLOCK_SIZE
    query_length, key_length = query.shape[1], ops.shape(key)[1]
    num_blocks = -(-query_length // block_size)
    padding = num_blocks * block_size - query_length

    def blocks(x, fill=0):  # (B, T, ...) -> (num_blocks, B, block_size, ...)
        pad_width = [[0, 0], [0, padding]] + [[0, 0]] * (len(x.shape) - 2)
        x = ops.pad(x, pad_width, constant_values=fill)
        x = ops.reshape(x, (-1, num_blocks, block_size, *x.shape[2:]))
        return ops.moveaxis(x, 1, 0)

    inputs = {"query": blocks(query), "offset": ops.arange(num_blocks) * block_size}
    if mask is not None:
        mask = ops.broadcast_to(mask, (ops.shape(query)[0], query_length, key_length))
        # Padding queries may attend every key: no empty rows, finite gradients.
        inputs["mask"] = ops.cast(blocks(ops.cast(mask, "int32"), fill=1), "bool")

    def attend(block):
        block_mask = block.get("mask")
        if is_causal:
            causal = causal_mask(block_size, key_length, offset=block["offset"])
            block_mask = merge_attention_masks(attention_mask=block_mask, causal=causal)
        return _fused_attention(
            block["query"], key, value, mask=block_mask, is_causal=False, scale=scale
        )

    outputs = ops.map(attend, inputs)  # (num_blocks, B, block_size, H, D)
    outputs = ops.moveaxis(outputs, 0, 1)  # (B, num_blocks, block_size, H, D)
    outputs = ops.reshape(outputs, (-1, num_blocks * block_size, *query.shape[2:]))
    return outputs[:, :query_length]


def masked_softmax(scores, mask=None, dtype=None):
    """Softmax over the last axis in float32, masked keys given exactly 0.

    Args:
        scores: (..., T, S) floating-point attention scores.
        mask: optional boolean (or 0/1 integer) tensor broadcastable to
            `scores`; True keeps a key.
        dtype: dtype of the result (defaults to the scores' dtype).

    Returns:
        Weights of the shape of `scores`; rows with every key masked are 0.

    Raises:
        TypeError: for non-floating scores or a float mask (an additive
            mask converts with `mask == 0`).
        ValueError: for a mask that does not broadcast to `scores`.
    """
    checks.floating("scores", scores)
    if mask is not None:
        checks.mask_dtype("mask", mask)
        checks.broadcastable("mask", mask, scores.shape, "the scores' shape")
    dtype = dtype or scores.dtype
    scores = ops.cast(scores, "float32")
    if mask is not None:
        mask = ops.cast(mask, "bool")
        scores = ops.where(mask, scores, _MASKED_SCORE)
    weights = ops.softmax(scores, axis=-1)
    if mask is not None:
        weights = ops.where(mask, weights, 0.0)
    return ops.cast(weights, dtype)


def _explicit_attention(query, key, value, mask, is_causal, scale, weights_dropout):
    """softmax(Q K^T * scale) V with the weights materialised.

    The scaling and the softmax are computed in float32, and for float16
    inputs Q K^T too: in float16 it overflows 65504 (to inf, and the softmax
    to NaN) from inputs of magnitude ~100. bfloat16 has float32's range and
    keeps its own matmul. The weights are cast back to the values' dtype;
    their average of the values cannot overflow.

    Two full-size (B, H, T, S) operations are left out, ~2% of a small
    GPT's training step on TensorFlow (`docs/gpt.md`): float32 queries are
    scaled before Q K^T (D values a row instead of S), and masked keys are
    not zeroed again after the softmax, where exp(-1e9 - max) is already
    exactly 0. Only a row whose keys are all masked comes out uniform here;
    `scaled_dot_product_attention` zeroes those rows' output and weights.
    """
    if keras.backend.standardize_dtype(query.dtype) == "float16":
        query, key = ops.cast(query, "float32"), ops.cast(key, "float32")
    scaled_queries = keras.backend.standardize_dtype(query.dtype) == "float32"
    if scaled_queries:
        query = ops.multiply(query, scale)
    scores = ops.einsum("bthd,bshd->bhts", query, key)  # (B, H, T, S)
    scores = ops.cast(scores, "float32")
    if not scaled_queries:
        scores = ops.multiply(scores, scale)
    if is_causal:
        mask = causal_mask(ops.shape(query)[1], ops.shape(key)[1])[None]
    if mask is not None:
        mask = ops.expand_dims(mask, 1)  # (B, 1, T, S)
        scores = ops.where(mask, scores, _MASKED_SCORE)
    weights = ops.cast(ops.softmax(scores, axis=-1), value.dtype)
    attended = weights if weights_dropout is None else weights_dropout(weights)
    output = ops.einsum("bhts,bshv->bthv", attended, value)  # (B, T, H, V)
    return output, weights
