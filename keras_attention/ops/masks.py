"""Attention masks as boolean tensors: True = may attend, False = masked.

Shape legend: B batch, T query length, S key length.
"""

import numbers

from keras import ops

from keras_attention import checks


def causal_mask(query_length, key_length, offset=0):
    """Lower-triangular mask: query position t may attend key positions <= t.

    Args:
        query_length: T, a non-negative integer (or a scalar tensor).
        key_length: S, a non-negative integer (or a scalar tensor).
        offset: position of the first query in the key sequence (the cache
            index when decoding step by step). May be a tensor.

    Returns:
        Boolean tensor of shape (T, S).

    Raises:
        ValueError: for a length that is negative or not an integer.
    """
    for name, length in (("query_length", query_length), ("key_length", key_length)):
        if isinstance(length, (float, bool, str)) or (
            isinstance(length, numbers.Integral) and length < 0
        ):
            raise ValueError(
                f"`{name}` must be a non-negative integer. Received: {name}={length!r}"
            )
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

    Every mask is boolean (True: may attend) or 0/1 integers.

    Raises:
        TypeError: for a float mask (an additive 0 / -inf mask converts with
            `mask == 0`).
        ValueError: for a padding mask not of rank 2, an attention mask not
            of rank 2 or 3, or a causal mask not of rank 2.
    """
    for name, mask, ranks, axes in (
        ("query_mask", query_mask, (2,), "(batch, query_length)"),
        ("key_mask", key_mask, (2,), "(batch, key_length)"),
        (
            "attention_mask",
            attention_mask,
            (2, 3),
            "([batch,] query_length, key_length)",
        ),
        ("causal", causal, (2,), "(query_length, key_length)"),
    ):
        if mask is not None:
            checks.mask_dtype(name, mask)
            checks.rank(name, mask, ranks, axes)
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
