"""Attention masks as boolean tensors: True = may attend, False = masked.

Shape legend: B batch, T query length, S key length.
"""

from keras import ops


def causal_mask(query_length, key_length, offset=0):
    """Lower-triangular mask: query position t may attend key positions <= t.

    Args:
        query_length: T.
        key_length: S.
        offset: position of the first query in the key sequence (the cache
            index when decoding step by step). May be a tensor.

    Returns:
        Boolean tensor of shape (T, S).
    """
    query_positions = ops.arange(query_length)[:, None] + offset  # (T, 1)
    key_positions = ops.arange(key_length)[None, :]  # (1, S)
    return ops.greater_equal(query_positions, key_positions)


def merge_attention_masks(
    query_mask=None,
    key_mask=None,
    attention_mask=None,
    causal=None,
):
    """ANDs every given mask into one (B, T, S) boolean mask, or None if none.

    Args:
        query_mask: (B, T) padding mask of the queries.
        key_mask: (B, S) padding mask of the keys/values.
        attention_mask: (B, T, S) or (T, S) explicit mask.
        causal: (T, S) causal mask.
    """
    merged = None

    def conjoin(mask):
        nonlocal merged
        mask = ops.cast(mask, "bool")
        merged = mask if merged is None else ops.logical_and(merged, mask)

    if query_mask is not None:
        conjoin(ops.expand_dims(query_mask, -1))  # (B, T, 1)
    if key_mask is not None:
        conjoin(ops.expand_dims(key_mask, -2))  # (B, 1, S)
    if causal is not None:
        conjoin(causal[None])  # (1, T, S)
    if attention_mask is not None:
        conjoin(attention_mask)
    return merged
