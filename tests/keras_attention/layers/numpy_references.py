"""Independent numpy references of the attention formulas, for the tests.

Shape legend: B batch, T query length, S key length, H heads, D width.
"""

import numpy as np


def softmax_attention(scores, value, mask=None):
    """softmax(scores) @ value with masked keys at weight 0.

    Args:
        scores: (..., T, S) float64 scores.
        value: (..., S, V) values.
        mask: optional boolean array broadcastable to `scores`.

    Returns:
        `(output, weights)`; rows with no valid key give 0 for both.
    """
    scores = np.asarray(scores, "float64")
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    peak = np.max(scores, axis=-1, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    exp = np.exp(scores - peak)
    total = exp.sum(axis=-1, keepdims=True)
    weights = np.divide(exp, total, out=np.zeros_like(exp), where=total > 0)
    return weights @ np.asarray(value, "float64"), weights


def multi_head_attention(query, value, weights, num_heads, num_kv_heads, mask=None):
    """Multi-head (grouped-query) attention from projection weights.

    Args:
        query: (B, T, E). value: (B, S, E_v), also used as the key.
        weights: `[Wq, bq, Wk, bk, Wv, bv, Wo, bo]` with Wq (E, H, D),
            Wk/Wv (E_v, K, D), Wo (H, V, O): keras' MultiHeadAttention layout.
        num_heads: H. num_kv_heads: K; query head h uses key/value head
            h // (H / K).
        mask: optional (B, T, S) boolean mask.

    Returns:
        `(output (B, T, O), weights (B, H, T, S))`.
    """
    wq, bq, wk, bk, wv, bv, wo, bo = [np.asarray(w, "float64") for w in weights]
    q = np.einsum("bte,ehd->bhtd", query, wq) + bq[:, None, :]
    k = np.einsum("bse,ehd->bhsd", value, wk) + bk[:, None, :]
    v = np.einsum("bse,ehd->bhsd", value, wv) + bv[:, None, :]
    group = num_heads // num_kv_heads
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    attended, probs = softmax_attention(
        scores, v, None if mask is None else mask[:, None]
    )
    return np.einsum("bhtv,hvo->bto", attended, wo) + bo, probs
